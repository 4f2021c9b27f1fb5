package io.dbrunbooks.workflows.backup;

/**
 * Answer of the {@code progress} query.
 *
 * @param phase one of {@link BackupPhase}
 * @param bytes bytes written to the store so far (last report of the backup step)
 * @param throughputBytesPerSecond average since the backup step started
 * @param elapsedSeconds since the run started, as of the workflow's last task
 */
public record BackupProgress(
    String target,
    String backupId,
    BackupPhase phase,
    long bytes,
    double throughputBytesPerSecond,
    double elapsedSeconds,
    String lastError) {}
