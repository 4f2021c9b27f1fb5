package io.dbrunbooks.workflows.restore;

/**
 * Where recovery actually stopped, read from the restored server.
 *
 * @param lsn {@code pg_last_wal_replay_lsn()} when recovery ended
 * @param lastTransactionTime commit time of the last transaction replayed (ISO instant), from
 *     {@code pg_last_xact_replay_timestamp()} or the server log's "last completed transaction was at
 *     log time"; null when no transaction was replayed after the base backup
 * @param timeline timeline the restored cluster runs on after promotion
 * @param logLine the server's own "recovery stopping ..." line, when it logged one
 */
public record RecoveredPoint(String lsn, String lastTransactionTime, int timeline, String logLine) {}
