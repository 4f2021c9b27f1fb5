package io.dbrunbooks.workflows.schedule;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * What a Temporal Schedule starts: it starts the runbook as a child under the runbook's fixed
 * workflow id ({@code backup/<target>}, ...) and waits for it, so the one-run-per-target lock holds
 * for scheduled and manual starts together. Temporal appends the scheduled time to the id of every
 * workflow a schedule starts, so a schedule cannot start the runbook under its lock id itself.
 *
 * <p>When the runbook already runs on the target (a manual start, another schedule), the start is
 * skipped: the result says {@code skipped: already running <runId>}, and so do the run's current
 * details, its audit trail and the worker's log. The run then completes successfully; a failed
 * runbook fails it, so the schedule's recent actions show each run's outcome.
 */
@WorkflowInterface
public interface ScheduledRunWorkflow {
  /** Workflow type name, as used by {@code temporal schedule create --workflow-type}. */
  String TYPE = "ScheduledRunWorkflow";

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT =
      "{\"schedule\": \"orders-daily\", \"target\": \"orders\", \"runbook\": \"backup\", \"input\": {\"method\": \"physical\"}}";

  /** Prefix of the workflow id a schedule gives its runs (Temporal appends the scheduled time). */
  static String workflowIdPrefix(String schedule) {
    return "scheduled/" + schedule;
  }

  @WorkflowMethod(name = TYPE)
  ScheduledRunResult run(RunbookInput<ScheduledRunRequest> input);

  @QueryMethod(name = "progress")
  ScheduledRunProgress progress();
}
