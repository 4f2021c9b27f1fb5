package io.dbrunbooks.workflows.restore;

import static io.dbrunbooks.workflows.common.AuditTrail.meta;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookNotifier;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Blue after a promotion: kept, stopped, until the keep period has passed and an approval arrived,
 * then removed. Waiting costs nothing in the history, so the keep period may be weeks.
 */
public class BlueDecommissionWorkflowImpl implements BlueDecommissionWorkflow {
  // Deleting a large data directory takes a while; it heartbeats, and a cancel waits for it to stop
  // deleting, so what the run reports about blue is true.
  private final SwitchoverActivities blueOps =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofHours(6))
              .setHeartbeatTimeout(Duration.ofMinutes(2))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), 20))
              .build());
  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);
  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  private DecommissionRequest request;
  private DecommissionPhase phase = DecommissionPhase.KEPT;
  private ApprovalRecord approval;
  private List<String> removed = List.of();
  private String lastError;

  @Override
  public DecommissionResult run(RunbookInput<DecommissionRequest> given) {
    DecommissionRequest input = RunbookInput.bind(given, DecommissionRequest.class, EXAMPLE_INPUT);
    long keepUntil = validate(input);
    request = input;
    String target = input.target();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "decommission"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, input.initiator()));
    enter(DecommissionPhase.KEPT);
    AuditTrail audit =
        new AuditTrail(
            evidence,
            target,
            target + "/restores/" + input.restoreId() + "/decommission",
            "target/" + target + "/restore/" + input.restoreId() + "/blue",
            input.initiator());
    RunbookNotifier notify = new RunbookNotifier(notifier, audit, target, "decommission");
    BlueServer blue = input.blue();
    try {
      audit.record(
          "decommission.kept",
          "started",
          meta(
              "dataDirectory", blue.dataDirectory(),
              "systemIdentifier", blue.systemIdentifier(),
              "keepUntil", input.keepBlueUntil(),
              "approvers", String.join(",", input.approvers()),
              "switchoverManifest", input.restoreManifest()));
      Workflow.await(() -> approval != null);
      audit.record(
          "decommission.approved",
          "succeeded",
          meta("approver", approval.approver(), "comment", approval.comment(), "at", approval.at()));
      long wait = keepUntil - Workflow.currentTimeMillis();
      if (wait > 0) {
        Workflow.sleep(Duration.ofMillis(wait));
      }
      enter(DecommissionPhase.REMOVE);
      removed = blueOps.removeBlue(new BlueRequest(target, input.restoreId(), blue));
      String at = Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString();
      audit.record("decommission.removed", "succeeded", meta("removed", String.join(",", removed)));
      notify.send(
          "decommission.completed",
          "blue of " + target + " (" + blue.dataDirectory() + ", kept since restore " + input.restoreId()
              + ") was removed, approved by " + approval.approver(),
          meta("restoreId", input.restoreId(), "approver", approval.approver(), "removed", String.join(",", removed)));
      enter(DecommissionPhase.COMPLETED);
      return new DecommissionResult(target, input.restoreId(), approval, removed, at);
    } catch (ActivityFailure | CanceledFailure | ApplicationFailure e) {
      lastError = Failures.describe(e);
      boolean canceled = CancellationScope.current().isCancelRequested();
      boolean interrupted = phase == DecommissionPhase.REMOVE;
      Workflow.newDetachedCancellationScope(
              () -> {
                audit.recordBestEffort(
                    canceled ? "decommission.canceled" : "decommission.failed",
                    "failed",
                    meta("error", lastError, "dataDirectory", blue.dataDirectory()));
                notify.send(
                    canceled ? "decommission.canceled" : "decommission.failed",
                    interrupted
                        ? "removing blue of " + target + " (" + blue.dataDirectory() + ") stopped part way ("
                            + (canceled ? "canceled" : lastError) + "): what remains of it is kept"
                        : "blue of " + target + " (" + blue.dataDirectory() + ") is kept: "
                            + (canceled ? "its decommission was canceled" : "removing it failed: " + lastError),
                    meta("restoreId", input.restoreId(), "dataDirectory", blue.dataDirectory(), "error", lastError));
                enter(DecommissionPhase.FAILED);
              })
          .run();
      throw e;
    }
  }

  /**
   * A decommission is started by a promoted restore, not by hand; its input is still checked, since
   * it removes a data directory.
   */
  private static long validate(DecommissionRequest r) {
    String target = InputChecks.target(r.target());
    if (r.restoreId() == null || !r.restoreId().startsWith(target + "-") || InputChecks.firstControl(r.restoreId()) >= 0
        || r.restoreId().length() > InputChecks.MAX_NAME_LENGTH) {
      throw InputChecks.invalid("field 'restoreId' must be the id of a restore of " + target + " (" + target
          + "-<time>-<hex>), got " + InputChecks.shown(r.restoreId()));
    }
    InputChecks.operator(r.initiator(), "initiator", "the restore's operator, who may not approve the decommission");
    if (r.approvers().isEmpty()) {
      throw InputChecks.invalid("field 'approvers' must list who may approve removing blue (the target's approvers)");
    }
    for (int i = 0; i < r.approvers().size(); i++) {
      InputChecks.operator(r.approvers().get(i), "approvers[" + i + "]", "an approver is a name");
    }
    if (r.blue() == null || r.blue().dataDirectory() == null || r.blue().dataDirectory().isBlank()) {
      throw InputChecks.invalid("field 'blue.dataDirectory' is required: the stopped server recorded before the switch");
    }
    InputChecks.optionalText("blue.dataDirectory", r.blue().dataDirectory());
    InputChecks.optionalName("ticket", r.ticket());
    InputChecks.workflowId(BlueDecommissionWorkflow.workflowId(r.restoreId()), "decommission of " + r.restoreId());
    try {
      return Instant.parse(r.keepBlueUntil()).toEpochMilli();
    } catch (DateTimeParseException | NullPointerException e) {
      throw InputChecks.invalid("field 'keepBlueUntil' must be an ISO-8601 instant such as 2026-11-22T10:00:00Z, got "
          + InputChecks.shown(r.keepBlueUntil()));
    }
  }

  @Override
  public DecommissionProgress progress() {
    return request == null
        ? new DecommissionProgress(null, null, phase, null, null, approval, null, removed, lastError)
        : new DecommissionProgress(request.target(), request.restoreId(), phase, request.keepBlueUntil(),
            request.approvers(), approval, request.blue(), removed, lastError);
  }

  @Override
  public void validateApproveDecommission(Approval a) {
    if (request == null) {
      throw Approvals.refused("the decommission has not started yet; try again in a moment");
    }
    if (approval != null) {
      throw Approvals.refused("removing blue of " + request.target() + " was already approved by "
          + approval.approver() + " at " + approval.at());
    }
    if (phase != DecommissionPhase.KEPT) {
      throw Approvals.refused("blue of " + request.target() + " is not awaiting decommission (phase " + phase + ")");
    }
    Approvals.check("removing blue " + request.blue().dataDirectory() + " of " + request.target(), a, request.initiator(),
        request.approvers());
  }

  @Override
  public ApprovalRecord approveDecommission(Approval a) {
    approval = new ApprovalRecord("decommission", a.approver().strip(), a.comment(),
        Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString());
    return approval;
  }

  private void enter(DecommissionPhase next) {
    phase = next;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.name()));
    String details = "**Blue** of **" + (request == null ? "?" : request.target()) + "** (" 
        + (request == null ? "?" : request.blue().dataDirectory()) + ")\n\nPhase: " + next
        + (next == DecommissionPhase.KEPT && request != null ? "\n\nKept until " + request.keepBlueUntil()
            + (approval == null ? "; removal needs `runbooks restore approve-decommission --target " + request.target()
                + " --approver <name>`" : "; approved by " + approval.approver()) : "")
        + (lastError == null ? "" : "\n\nError: " + lastError);
    Workflow.setCurrentDetails(details);
  }
}
