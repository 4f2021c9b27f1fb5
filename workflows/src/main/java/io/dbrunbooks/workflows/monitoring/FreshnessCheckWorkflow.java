package io.dbrunbooks.workflows.monitoring;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One freshness check of a target: is its newest backup recent enough, did its latest backup
 * fail, does its WAL archiver run and keep up. Raises an alert once per incident (a notification
 * and an audit entry) and resolves it, with a "resolved" notification, when it clears. A Temporal
 * Schedule starts it every few minutes; one run is one short check.
 *
 * <p>Workflow id {@code freshness/<target>}: the single writer of the target's alert book.
 */
@WorkflowInterface
public interface FreshnessCheckWorkflow {
  String TYPE = "FreshnessCheckWorkflow";

  static String workflowId(String target) {
    return "freshness/" + target;
  }

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\"}";

  /** Takes a {@link FreshnessRequest} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  FreshnessResult run(RunbookInput<FreshnessRequest> input);

  /** The phase ({@code observing}, {@code updating}, {@code notifying}, {@code done}) and what is open. */
  @QueryMethod(name = "progress")
  FreshnessProgress progress();
}
