package io.dbrunbooks.workflows.drill;

/**
 * Answer of the {@code progress} query.
 *
 * @param restoreWorkflowId the child restore's workflow id, whose own {@code progress} query shows bytes
 * @param startedAt the moment the RTO is measured from
 */
public record DrillProgress(
    String target,
    String drillId,
    DrillPhase phase,
    String scenario,
    String backupId,
    String recoveryTarget,
    String restoreWorkflowId,
    String restoreId,
    double elapsedSeconds,
    String startedAt,
    String lastError) {}
