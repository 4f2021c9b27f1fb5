package io.dbrunbooks.workflows.backup;

/** Replay lag of one standby as seen from the primary ({@code pg_stat_replication.replay_lag}). */
public record StandbyLag(String applicationName, String clientAddress, String state, double replayLagSeconds) {}
