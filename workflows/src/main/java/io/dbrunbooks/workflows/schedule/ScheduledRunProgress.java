package io.dbrunbooks.workflows.schedule;

/**
 * What the {@code progress} query of {@link ScheduledRunWorkflow} answers.
 *
 * @param phase {@code starting}, {@code running}, {@code completed}, {@code skipped} or {@code failed}
 */
public record ScheduledRunProgress(
    String schedule, String target, ScheduledRunbook runbook, String phase, String runbookWorkflowId, String runbookRunId,
    String message) {}
