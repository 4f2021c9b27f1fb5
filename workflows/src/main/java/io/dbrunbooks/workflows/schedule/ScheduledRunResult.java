package io.dbrunbooks.workflows.schedule;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How one scheduled start ended. A skipped start is a success: the runbook it wanted to start was
 * already running on the target, which is what the lock is for.
 *
 * @param outcome {@code completed} or {@code skipped}
 * @param runbookWorkflowId the runbook's fixed workflow id, e.g. {@code backup/orders}
 * @param runbookRunId the run this start started (completed) or found running (skipped; null when
 *     that run ended before it could be looked up)
 * @param message one line for people, e.g. {@code skipped: already running 5f0c...}
 * @param runbookResult the runbook's own result (completed only)
 */
public record ScheduledRunResult(
    String schedule,
    String target,
    ScheduledRunbook runbook,
    String outcome,
    String runbookWorkflowId,
    String runbookRunId,
    String message,
    JsonNode runbookResult) {

  public static final String COMPLETED = "completed";
  public static final String SKIPPED = "skipped";
}
