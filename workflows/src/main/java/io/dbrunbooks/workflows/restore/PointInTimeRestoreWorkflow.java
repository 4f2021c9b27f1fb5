package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Point-in-time restore runbook: plan and prove provenance, provision an isolated cluster, restore
 * the base backup, replay archived WAL to the recovery target, check, seal signed evidence, notify.
 * A failure tears down what was provisioned (unless keep-on-failure), records why and notifies.
 *
 * <p>In mode {@code promote} the checked cluster (green) then waits for an {@code approve} update,
 * takes the traffic of the target's PgBouncer alias from blue, is watched through a bake period
 * ({@code rollback} signal or failed health checks switch back), then blue is stopped and handed to
 * a {@link BlueDecommissionWorkflow} that keeps it until an {@code approve-decommission} update after
 * the keep period. The restore itself ends there, so the next restore of the target is not blocked
 * for the days blue is kept.
 *
 * <p>Start it with workflow id {@code restore/<target>}: one restore per target at a time.
 */
@WorkflowInterface
public interface PointInTimeRestoreWorkflow {
  String TYPE = "PointInTimeRestoreWorkflow";

  static String workflowId(String target) {
    return "restore/" + target;
  }

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"time\", \"value\":"
      + " \"2026-11-21T10:40:59Z\"}, \"operator\": \"alice\"}";

  /** Takes a {@link RestoreRequest} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  RestoreResult run(RunbookInput<RestoreRequest> input);

  @QueryMethod(name = "progress")
  RestoreProgress progress();

  /** Byte counts from the running restore or recovery step; not meant for people. */
  @SignalMethod(name = "reportProgress")
  void reportProgress(ByteProgress progress);

  /**
   * Approves the switch of traffic to the restored cluster. Accepted only while the restore awaits
   * approval, from someone on the target's approver list who is not the restore's operator.
   */
  @UpdateMethod(name = "approve")
  ApprovalRecord approve(Approval approval);

  @UpdateValidatorMethod(updateName = "approve")
  void validateApprove(Approval approval);

  /** Stops a promote restore before the switch: green is torn down (unless keep-on-failure). Ignored after the switch. */
  @SignalMethod(name = "abort")
  void abort(OperatorAction action);

  /**
   * During the bake, switches traffic back to blue and tears green down (unless keep-on-failure);
   * before the switch it aborts. Ignored once blue is stopped: there is nothing to roll back to.
   */
  @SignalMethod(name = "rollback")
  void rollback(OperatorAction action);
}
