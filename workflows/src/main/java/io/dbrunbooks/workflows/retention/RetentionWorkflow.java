package io.dbrunbooks.workflows.retention;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Expires what a target's retention policy no longer needs: backup artifacts outside the recovery
 * window beyond the minimum count, and WAL older than the oldest kept base backup. Never the
 * newest backup, never sealed evidence. Workflow id {@code retention/<target>}: one run per target
 * at a time. Runs on demand and after each backup.
 */
@WorkflowInterface
public interface RetentionWorkflow {
  String TYPE = "RetentionWorkflow";

  static String workflowId(String target) {
    return "retention/" + target;
  }

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"operator\": \"alice\", \"dryRun\": true}";

  /** Takes a {@link RetentionRequest} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  RetentionResult run(RunbookInput<RetentionRequest> input);
}
