package io.dbrunbooks.workflows.restore;

/**
 * Answer of the {@code progress} query.
 *
 * @param bytes in RESTORE the base backup bytes unpacked, in RECOVER the WAL bytes replayed since
 *     the backup's start (last report of the step)
 * @param elapsedSeconds since the run started, as of the workflow's last task
 * @param switchover mode promote only, once the restored cluster is ready; null otherwise
 * @param startedAt when the run started, ISO-8601 (for the time so far: a query cannot read the clock)
 */
public record RestoreProgress(
    String target,
    String restoreId,
    RestorePhase phase,
    String backupId,
    long bytes,
    double throughputBytesPerSecond,
    double elapsedSeconds,
    String lastError,
    SwitchoverReport switchover,
    String startedAt) {}
