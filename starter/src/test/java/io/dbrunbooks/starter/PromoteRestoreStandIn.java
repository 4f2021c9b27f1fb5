package io.dbrunbooks.starter;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.dbrunbooks.workflows.restore.Approval;
import io.dbrunbooks.workflows.restore.ApprovalRecord;
import io.dbrunbooks.workflows.restore.BackendRef;
import io.dbrunbooks.workflows.restore.BlueGreenState;
import io.dbrunbooks.workflows.restore.HealthOutcome;
import io.dbrunbooks.workflows.restore.OperatorAction;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.SwitchOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverReport;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in for the promote flow of {@code PointInTimeRestoreWorkflowImpl}, for testing the CLI
 * against the workflow contract alone: it awaits approval at once, switches and bakes without
 * activities, and keeps in its {@code progress} answer exactly what the updates and signals
 * carried (approver, comment, by, reason). Its validator refuses the restore's own operator, anyone
 * off the approver list, and approvals out of phase, with the messages the tests look for.
 */
public class PromoteRestoreStandIn implements PointInTimeRestoreWorkflow {
  static final List<String> APPROVERS = List.of("alice", "bob");
  static final BackendRef BLUE = new BackendRef("10.0.0.5", 5432, "orders");
  static final BackendRef GREEN = new BackendRef("127.0.0.1", 55432, "orders");
  /** How long the stand-in stays in ROLLBACK or COMPENSATING, so the CLI can see the phase. */
  static final Duration STOPPING = Duration.ofSeconds(3);

  private RestoreRequest request;
  private RestorePhase phase = RestorePhase.PLAN;
  private String approvalDeadline;
  private final List<ApprovalRecord> approvals = new ArrayList<>();
  private String stopRequest;
  private BlueGreenState state;
  private SwitchOutcome toGreen;
  private HealthOutcome afterSwitch;
  private String bakeUntil;
  private SwitchOutcome toBlue;
  private SwitchoverOutcome outcome;

  @Override
  public RestoreResult run(RestoreRequest request) {
    this.request = request;
    if (request.modeOrDefault() != RestoreMode.PROMOTE) {
      throw ApplicationFailure.newNonRetryableFailure("the stand-in got mode " + request.modeOrDefault().name().toLowerCase(),
          "StandIn");
    }
    approvalDeadline = now().plus(Duration.ofHours(4)).toString();
    phase = RestorePhase.AWAIT_APPROVAL;
    Workflow.await(() -> !approvals.isEmpty() || stopRequest != null);
    if (stopRequest != null) {
      return stop(RestorePhase.COMPENSATING, SwitchoverOutcome.ABORTED);
    }
    phase = RestorePhase.SWITCH;
    state = new BlueGreenState("127.0.0.1:6432", "orders", BLUE, GREEN, "transaction", 3, 0, null, "orders-restore-standin",
        "0/5000000");
    toGreen = new SwitchOutcome("orders", BLUE, GREEN, true, 120, List.of("pause 40 ms", "repoint 5 ms"));
    afterSwitch = new HealthOutcome(true, null, "127.0.0.1", 55432, "orders-restore-standin", false, "1", 7, now().toString());
    bakeUntil = now().plus(Duration.ofMinutes(30)).toString();
    phase = RestorePhase.BAKE;
    Workflow.await(() -> stopRequest != null);
    toBlue = new SwitchOutcome("orders", GREEN, BLUE, true, 95, List.of());
    return stop(RestorePhase.ROLLBACK, SwitchoverOutcome.ROLLED_BACK);
  }

  private RestoreResult stop(RestorePhase stopping, SwitchoverOutcome how) {
    phase = stopping;
    Workflow.sleep(STOPPING);
    outcome = how;
    phase = RestorePhase.COMPLETED;
    RestorePlan plan = new RestorePlan(request.target(), "orders-backup-1", null, null, 1, "0/2000028", "0/2000100", null, null,
        RecoveryTarget.latest(), null, null, null, 0, 0, 0, List.of());
    return new RestoreResult(restoreId(), request.target(), false, plan, null, null, null, 0, null, false, report());
  }

  @Override
  public RestoreProgress progress() {
    return new RestoreProgress(request == null ? null : request.target(), restoreId(), phase, "orders-backup-1", 0, 0, 0, null,
        phase == RestorePhase.PLAN ? null : report());
  }

  private SwitchoverReport report() {
    return new SwitchoverReport(outcome, APPROVERS, approvalDeadline, approvals, stopRequest, state, toGreen, afterSwitch, bakeUntil,
        null, toBlue, null, null, null, null);
  }

  @Override
  public void reportProgress(ByteProgress progress) {}

  @Override
  public void validateApprove(Approval approval) {
    if (phase != RestorePhase.AWAIT_APPROVAL) {
      throw new IllegalStateException("nothing awaits approval: the restore is in " + phase);
    }
    if (approval.approver().equals(request.operator())) {
      throw new IllegalArgumentException(approval.approver() + " started this restore: the approval must come from someone else");
    }
    if (!APPROVERS.contains(approval.approver())) {
      throw new IllegalArgumentException(approval.approver() + " is not an approver of " + request.target() + " ("
          + String.join(", ", APPROVERS) + ")");
    }
  }

  @Override
  public ApprovalRecord approve(Approval approval) {
    ApprovalRecord accepted = new ApprovalRecord("switchover", approval.approver(), approval.comment(), now().toString());
    approvals.add(accepted);
    return accepted;
  }

  @Override
  public void validateApproveDecommission(Approval approval) {
    throw new IllegalStateException("no blue awaits decommissioning: the restore is in " + phase);
  }

  @Override
  public ApprovalRecord approveDecommission(Approval approval) {
    throw new IllegalStateException("unreachable: the validator refuses every decommission");
  }

  @Override
  public void abort(OperatorAction action) {
    if (phase == RestorePhase.AWAIT_APPROVAL) {
      stopRequest = action.by() + ": " + action.reason();
    }
  }

  @Override
  public void rollback(OperatorAction action) {
    if (phase == RestorePhase.AWAIT_APPROVAL || phase == RestorePhase.BAKE) {
      stopRequest = action.by() + ": " + action.reason();
    }
  }

  private String restoreId() {
    return request == null ? null : request.target() + "-standin";
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
