package io.dbrunbooks.workflows.monitoring;

/**
 * The newest sealed backup whose artifacts are in the store.
 *
 * @param finishedAt when its tool finished (the newest point it restores to), ISO-8601
 * @param ageSeconds from {@code finishedAt} to the observation
 */
public record BackupFreshness(String backupId, String finishedAt, long ageSeconds) {}
