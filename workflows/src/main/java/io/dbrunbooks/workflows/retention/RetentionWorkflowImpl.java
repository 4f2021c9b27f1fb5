package io.dbrunbooks.workflows.retention;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The retention runbook: plan from the sealed catalog, record the plan, delete, seal what was
 * deleted. The plan is the contract: deletion removes exactly what it names (and WAL below its
 * boundary), so the audit trail says beforehand what is about to go.
 */
public class RetentionWorkflowImpl implements RetentionWorkflow {
  private final RetentionActivities planner =
      Workflow.newActivityStub(
          RetentionActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(5))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 5))
              .build());

  // Deleting thousands of WAL objects takes a while; it heartbeats, and is idempotent, so it may retry.
  private final RetentionActivities deleter =
      Workflow.newActivityStub(
          RetentionActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofHours(2))
              .setHeartbeatTimeout(Duration.ofMinutes(1))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), 10))
              .build());

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  @Override
  public RetentionResult run(RunbookInput<RetentionRequest> input) {
    RetentionRequest request = RunbookInput.bind(input, RetentionRequest.class, EXAMPLE_INPUT);
    String target = InputChecks.target(request.target());
    InputChecks.operator(request.operator(), "operator", "the audit trail records who asked for the retention run");
    InputChecks.optionalText("trigger", request.trigger());
    InputChecks.workflowId(RetentionWorkflow.workflowId(target), "retention run of " + target);
    WorkflowInfo info = Workflow.getInfo();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "retention"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, operator(request)));

    RetentionPlan plan;
    try {
      plan = planner.plan(request);
    } catch (ActivityFailure e) {
      // The cause's sentence (an unknown target, an unreadable catalog), not "Activity task failed".
      throw failed("retention of " + target + " could not be planned: " + Failures.describe(e), e);
    }
    if (request.dryRun()) {
      return new RetentionResult(plan, true, null, null);
    }
    if (plan.nothingToDo()) {
      // Nothing deleted, nothing to prove: no audit chain, no manifest, no notification per backup.
      return new RetentionResult(plan, false, new RetentionOutcome(List.of(), List.of(), 0, 0), null);
    }

    String runTime = Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString().replace(":", "");
    String chain = target + "/retention/" + runTime + "-" + info.getRunId().substring(0, 8);
    AuditTrail audit = new AuditTrail(evidence, target, chain, "target/" + target + "/retention", operator(request));
    audit.record("retention.planned", "started", AuditTrail.meta(
        "workflowId", info.getWorkflowId(), "runId", info.getRunId(), "trigger", request.trigger(),
        "recoveryWindowDays", String.valueOf(plan.recoveryWindowDays()), "minFullBackups", String.valueOf(plan.minFullBackups()),
        "expire", String.join(",", plan.expire().stream().map(RetentionPlan.Backup::backupId).toList()),
        "walKeepFrom", plan.wal() == null ? null : plan.wal().keepFrom(),
        "walKeptBelow", walKeptBelow(plan)));
    RetentionOutcome outcome;
    try {
      outcome = deleter.apply(plan);
    } catch (ActivityFailure e) {
      audit.recordBestEffort("retention.failed", "failed", AuditTrail.meta("error", Failures.describe(e)));
      notifyBestEffort(target, "retention.failed", "retention of " + target + " failed: " + Failures.describe(e),
          AuditTrail.meta("error", Failures.describe(e)));
      throw failed("retention of " + target + " failed: " + Failures.describe(e), e);
    }
    audit.record("retention.applied", "succeeded", AuditTrail.meta(
        "expiredBackups", String.join(",", outcome.expiredBackups()),
        "removedLocations", String.valueOf(outcome.removedLocations().size()),
        "walSegmentsRemoved", String.valueOf(outcome.walSegmentsRemoved()),
        "walPartialsRemoved", String.valueOf(outcome.walPartialsRemoved())));
    SealedManifest sealed = evidence.sealManifest(new SealRequest(target, chain + "/manifest", manifest(request, info, plan, outcome, audit)));
    notifyBestEffort(target, "retention.applied", "retention of " + target + ": expired " + outcome.expiredBackups().size()
        + " backup(s) and " + outcome.walSegmentsRemoved() + " WAL segment(s)",
        AuditTrail.meta("manifest", sealed.location(), "expiredBackups", String.join(",", outcome.expiredBackups())));
    return new RetentionResult(plan, false, outcome, sealed.location());
  }

  private static Map<String, Object> manifest(RetentionRequest request, WorkflowInfo info, RetentionPlan plan,
      RetentionOutcome outcome, AuditTrail audit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/retention-manifest/v1");
    m.put("target", plan.target());
    m.put("runId", info.getRunId());
    m.put("operator", operator(request));
    m.put("trigger", request.trigger());
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("recoveryWindowDays", plan.recoveryWindowDays());
    policy.put("minFullBackups", plan.minFullBackups());
    if (plan.classKeepDays() != null && !plan.classKeepDays().isEmpty()) { // null in plans recorded before classes
      policy.put("classKeepDays", plan.classKeepDays());
    }
    m.put("policy", policy);
    m.put("plannedAt", plan.plannedAt());
    m.put("windowStart", plan.windowStart());
    m.put("kept", plan.keep());
    m.put("expired", plan.expire());
    m.put("wal", plan.wal());
    m.put("outcome", outcome);
    m.put("auditChain", audit.chain());
    m.put("auditHead", Map.of("sequence", audit.head().sequence(), "hash", audit.head().hash()));
    return m;
  }

  /** The WAL ranges below the boundary that backups kept for their class need, e.g. {@code A..B for id}; null if none. */
  private static String walKeptBelow(RetentionPlan plan) {
    if (plan.wal() == null || plan.wal().keptBelow() == null || plan.wal().keptBelow().isEmpty()) {
      return null; // null in plans recorded before classes
    }
    return String.join(",", plan.wal().keptBelow().stream().map(r -> r.from() + ".." + r.through() + " for " + r.neededBy()).toList());
  }

  private void notifyBestEffort(String target, String event, String summary, Map<String, String> details) {
    try {
      notifier.send(new Notification(target, "retention", event, Workflow.getInfo().getWorkflowId(), summary, details));
    } catch (ActivityFailure e) {
      Workflow.getLogger(RetentionWorkflowImpl.class).warn("notification {} for {} failed: {}", event, target, e.getMessage());
    }
  }

  /** Ends the run with the cause's sentence; the activity failure stays attached as the cause. */
  private static ApplicationFailure failed(String message, ActivityFailure cause) {
    return ApplicationFailure.newNonRetryableFailureWithCause(message, "RetentionFailed", cause);
  }

  private static String operator(RetentionRequest request) {
    return request.operator() == null || request.operator().isBlank() ? "unknown" : request.operator();
  }
}
