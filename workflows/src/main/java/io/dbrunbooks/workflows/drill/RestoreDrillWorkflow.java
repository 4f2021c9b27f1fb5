package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Restore drill: marks a simulated moment of loss on the source, chooses a sealed backup, restores
 * it beside the target through {@code PointInTimeRestoreWorkflow} (a child, mode isolated), validates
 * the copy (the restore's checks, smoke queries, the application's smoke command), measures RTO and
 * RPO against the target's objectives, always tears the copy down, seals a signed drill manifest
 * and notifies (critical when the restore or its validation failed).
 *
 * <p>Start it with workflow id {@code drill/<target>}: one drill per target at a time. Its restore
 * runs as {@code restore/<target>}, so a drill never runs beside a real restore of the target.
 */
@WorkflowInterface
public interface RestoreDrillWorkflow {
  String TYPE = "RestoreDrillWorkflow";

  static String workflowId(String target) {
    return "drill/" + target;
  }

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"operator\": \"alice\"}";

  /** Takes a {@link DrillRequest} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  DrillResult run(RunbookInput<DrillRequest> input);

  @QueryMethod(name = "progress")
  DrillProgress progress();
}
