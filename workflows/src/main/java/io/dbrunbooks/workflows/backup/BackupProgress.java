package io.dbrunbooks.workflows.backup;

/**
 * Answer of the {@code progress} query.
 *
 * @param phase one of {@link BackupPhase}
 * @param bytes bytes written to the store so far (last report of the backup step)
 * @param throughputBytesPerSecond average since the backup step started
 * @param elapsedSeconds since the run started, as of the workflow's last task (a query cannot read
 *     the clock): for the time so far use {@code startedAt}
 * @param lastError the last failure of a step that is being retried, or null
 * @param startedAt when the run started, ISO-8601
 */
public record BackupProgress(
    String target,
    String backupId,
    BackupPhase phase,
    long bytes,
    double throughputBytesPerSecond,
    double elapsedSeconds,
    String lastError,
    String startedAt) {}
