package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Keeps the stopped blue of a promoted restore, and removes it once the keep period has passed and
 * someone other than the restore's operator, on the target's approver list, sent
 * {@code approve-decommission}. Started by the restore (workflow id {@code decommission/<restore id>})
 * and left running when the restore ends. Cancel it to keep blue for good.
 */
@WorkflowInterface
public interface BlueDecommissionWorkflow {
  String TYPE = "BlueDecommissionWorkflow";

  static String workflowId(String restoreId) {
    return "decommission/" + restoreId;
  }

  /** What a decommission's input looks like, quoted when the input is missing (a promoted restore starts it). */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"restoreId\": \"orders-20261121T102959Z-8846ac\", \"initiator\":"
      + " \"alice\", \"approvers\": [\"bob\"], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", \"blue\": {...}}";

  /** Takes a {@link DecommissionRequest} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  DecommissionResult run(RunbookInput<DecommissionRequest> input);

  @QueryMethod(name = "progress")
  DecommissionProgress progress();

  /** Approves removing blue; it goes when the keep period has passed too. */
  @UpdateMethod(name = "approve-decommission")
  ApprovalRecord approveDecommission(Approval approval);

  @UpdateValidatorMethod(updateName = "approve-decommission")
  void validateApproveDecommission(Approval approval);
}
