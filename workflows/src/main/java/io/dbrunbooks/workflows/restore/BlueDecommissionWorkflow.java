package io.dbrunbooks.workflows.restore;

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

  @WorkflowMethod(name = TYPE)
  DecommissionResult run(DecommissionRequest request);

  @QueryMethod(name = "progress")
  DecommissionProgress progress();

  /** Approves removing blue; it goes when the keep period has passed too. */
  @UpdateMethod(name = "approve-decommission")
  ApprovalRecord approveDecommission(Approval approval);

  @UpdateValidatorMethod(updateName = "approve-decommission")
  void validateApproveDecommission(Approval approval);
}
