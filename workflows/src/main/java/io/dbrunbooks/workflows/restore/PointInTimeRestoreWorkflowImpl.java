package io.dbrunbooks.workflows.restore;

import static io.dbrunbooks.workflows.common.AuditTrail.meta;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookNotifier;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The point-in-time restore runbook, top to bottom: plan (choose the base backup, prove its
 * provenance and the WAL coverage), provision, restore, recover, check, seal, notify. Nothing is
 * provisioned until the plan holds; a failure afterwards tears down what was provisioned unless
 * the operator asked to keep it, records why and tells downstream.
 */
public class PointInTimeRestoreWorkflowImpl implements PointInTimeRestoreWorkflow {
  private static final Logger log = Workflow.getLogger(PointInTimeRestoreWorkflowImpl.class);

  // Planning re-reads the whole base backup to hash it: long, but it only reads, so a retry is harmless.
  private final RestoreActivities planning =
      Workflow.newActivityStub(
          RestoreActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofHours(6))
              .setHeartbeatTimeout(Duration.ofMinutes(1))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(2), 4))
              .build());

  private final RestoreActivities quick =
      Workflow.newActivityStub(
          RestoreActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(5))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 5))
              .build());

  // Unpacking and replaying WAL take hours on a big cluster; a retried unpack starts the data
  // directory over, a retried replay finds the server it started. On cancel the teardown that
  // follows waits for the step to stop, so it does not race a tar still unpacking.
  private final RestoreActivities streaming = Workflow.newActivityStub(RestoreActivities.class, RunbookOptions.STREAMING);

  // Teardown is idempotent, so it may retry for a long time.
  private final RestoreActivities cleanup = Workflow.newActivityStub(RestoreActivities.class, RunbookOptions.CLEANUP);

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  private String target;
  private String restoreId;
  private String backupId;
  private RestorePhase phase = RestorePhase.PLAN;
  private long startedMillis;
  private long bytes;
  private double throughput;
  private String lastError;

  @Override
  public RestoreResult run(RestoreRequest request) {
    startedMillis = Workflow.currentTimeMillis();
    RestoreValidation.validate(request, Workflow.getInfo().getWorkflowId(), startedMillis);
    WorkflowInfo info = Workflow.getInfo();
    target = request.target();
    restoreId = RunbookOptions.newRunId(target);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "restore"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, request.operator()));
    enter(RestorePhase.PLAN);

    String chain = target + "/restores/" + restoreId;
    AuditTrail audit =
        new AuditTrail(evidence, target, chain, "target/" + target + "/restore/" + restoreId, request.operator());
    boolean provisioned = false;
    RestorePlan plan;
    RestoreEnvironment environment = null;
    RecoveredPoint recovered;
    RestoreChecks checks;
    double rto;
    SealedManifest sealed;
    try {
      audit.record(
          "restore.requested",
          "started",
          meta(
              "recoveryTarget", request.recoveryTarget().describe(),
              "backupId", request.backupId(),
              "mode", request.modeOrDefault().name().toLowerCase(),
              "dryRun", String.valueOf(request.dryRun()),
              "keepOnFailure", String.valueOf(request.keepOnFailure()),
              "workflowId", info.getWorkflowId(),
              "runId", info.getRunId(),
              "ticket", request.ticket()));

      plan = planning.plan(new PlanRequest(target, request.recoveryTarget(), request.backupId()));
      backupId = plan.backupId();
      audit.record(
          "restore.planned",
          "succeeded",
          meta(
              "backupId", plan.backupId(),
              "manifest", plan.manifestLocation(),
              "artifact", plan.artifact().location(),
              "sha256", plan.artifact().sha256(),
              "walFirst", plan.walFirstSegment(),
              "walLast", plan.walLastSegment(),
              "bytesToMove", String.valueOf(plan.bytesToMove())));
      if (request.dryRun()) {
        enter(RestorePhase.COMPLETED);
        audit.recordBestEffort("restore.dry-run", "succeeded", meta("backupId", plan.backupId()));
        return new RestoreResult(restoreId, target, true, plan, null, null, null, 0, null, false, null);
      }

      enter(RestorePhase.PROVISION);
      // Set before the call: a call that timed out may still have created the directory.
      provisioned = true;
      environment =
          quick.provision(
              new ProvisionRequest(target, restoreId, plan.artifact().sourceBytes() + plan.walBytes()));
      audit.record(
          "restore.provisioned",
          "succeeded",
          meta(
              "dataDirectory", environment.dataDirectory(),
              "port", String.valueOf(environment.port()),
              "clusterName", environment.clusterName()));

      enter(RestorePhase.RESTORE);
      RestoredData data = streaming.restoreBaseBackup(new RestoreDataRequest(target, plan, environment));
      audit.record(
          "restore.base-restored",
          "succeeded",
          meta(
              "sourceBytes", String.valueOf(data.sourceBytes()),
              "entries", String.valueOf(data.entries()),
              "restoreCommand", data.restoreCommand()));

      enter(RestorePhase.RECOVER);
      recovered = streaming.recover(new RecoverRequest(target, plan, environment));
      audit.record(
          "restore.recovered",
          "succeeded",
          meta(
              "lsn", recovered.lsn(),
              "lastTransactionTime", recovered.lastTransactionTime(),
              "timeline", String.valueOf(recovered.timeline())));

      enter(RestorePhase.CHECK);
      checks = streaming.check(new ChecksRequest(target, environment, request.smokeQueries()));
      audit.record(
          "restore.checked",
          checks.passed() ? "succeeded" : "failed",
          meta(
              "amcheck", checks.amcheck().ok() ? "ok" : "failed",
              "tables", String.valueOf(checks.rowCounts().size()),
              "smokeQueries", String.valueOf(checks.smoke().size()),
              "failures", checks.passed() ? null : String.join("; ", checks.failures())));
      if (!checks.passed()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the restored cluster failed its checks: " + String.join("; ", checks.failures()), "RestoreChecksFailed");
      }
      // Ready: restored, recovered and checked. The RTO is what the requester waited for.
      rto = elapsedSeconds();

      enter(RestorePhase.SEAL);
      sealed =
          evidence.sealManifest(
              new SealRequest(
                  target,
                  chain + "/manifest",
                  manifest(request, info, plan, environment, recovered, checks, rto, audit)));
    } catch (ActivityFailure | CanceledFailure | ApplicationFailure e) {
      throw compensate(e, audit, provisioned, request.keepOnFailure());
    }

    SealedManifest seal = sealed;
    RestoreEnvironment env = environment;
    RecoveredPoint point = recovered;
    boolean[] notified = {false};
    Workflow.newDetachedCancellationScope(
            () -> {
              audit.recordBestEffort(
                  "restore.sealed",
                  "succeeded",
                  meta("manifest", seal.location(), "sha256", seal.sha256(), "signingKeyId", seal.signingKeyId()));
              enter(RestorePhase.NOTIFY);
              notified[0] =
                  notifySafely(
                      audit,
                      "restore.succeeded",
                      "restore "
                          + restoreId
                          + " of "
                          + target
                          + " to "
                          + request.recoveryTarget().describe()
                          + " is ready on 127.0.0.1:"
                          + env.port()
                          + " (recovered to "
                          + point.lastTransactionTime()
                          + ")",
                      meta(
                          "restoreId", restoreId,
                          "backupId", backupId,
                          "dataDirectory", env.dataDirectory(),
                          "port", String.valueOf(env.port()),
                          "recoveredLsn", point.lsn(),
                          "lastTransactionTime", point.lastTransactionTime(),
                          "rtoSeconds", String.format(Locale.ROOT, "%.1f", rto),
                          "manifest", seal.location()));
              enter(RestorePhase.COMPLETED);
              audit.recordBestEffort("restore.completed", "succeeded", meta("restoreId", restoreId));
            })
        .run();
    return new RestoreResult(restoreId, target, false, plan, environment, recovered, checks, rto, sealed, notified[0], null);
  }

  /**
   * The failure path: tear down the environment (unless asked to keep it), record why, tell
   * downstream. Runs in a detached scope so that a cancelled run still cleans up after itself.
   */
  private RuntimeException compensate(RuntimeException e, AuditTrail audit, boolean provisioned, boolean keep) {
    lastError = Failures.describe(e);
    RestorePhase failedIn = phase;
    log.warn("restore {} of {} failed in {}: {}", restoreId, target, failedIn, lastError);
    enter(RestorePhase.COMPENSATING);
    Workflow.newDetachedCancellationScope(
            () -> {
              String leftBehind = null;
              if (provisioned && keep) {
                leftBehind = "kept on request (keepOnFailure)";
                audit.recordBestEffort("restore.environment-kept", "succeeded", meta("restoreId", restoreId));
              } else if (provisioned) {
                try {
                  List<String> removed = cleanup.teardown(new TeardownRequest(target, restoreId));
                  audit.recordBestEffort("restore.torn-down", "succeeded", meta("removed", String.join(",", removed)));
                } catch (ActivityFailure teardownFailure) {
                  leftBehind = "teardown failed: " + Failures.describe(teardownFailure);
                  audit.recordBestEffort(
                      "restore.teardown-failed", "failed", meta("restoreId", restoreId, "error", leftBehind));
                }
              }
              audit.recordBestEffort(
                  "restore.failed",
                  "failed",
                  meta("phase", failedIn.name(), "error", lastError, "errorType", Failures.type(e)));
              notifySafely(
                  audit,
                  "restore.failed",
                  "restore " + restoreId + " of " + target + " failed in " + failedIn + ": " + lastError,
                  meta(
                      "restoreId", restoreId,
                      "backupId", backupId,
                      "phase", failedIn.name(),
                      "error", lastError,
                      "environmentLeftBehind", leftBehind));
              enter(RestorePhase.FAILED);
            })
        .run();
    if (CancellationScope.current().isCancelRequested()) {
      return new CanceledFailure("restore of " + target + " canceled in " + failedIn);
    }
    return ApplicationFailure.newNonRetryableFailureWithCause(
        "restore of " + target + " failed in " + failedIn + ": " + lastError, "RestoreFailed", e);
  }

  @Override
  public RestoreProgress progress() {
    return new RestoreProgress(target, restoreId, phase, backupId, bytes, throughput, elapsedSeconds(), lastError, null);
  }

  @Override
  public void reportProgress(ByteProgress progress) {
    if (phase != RestorePhase.RESTORE && phase != RestorePhase.RECOVER) {
      return; // a late signal from a finished attempt must not rewind what people see
    }
    bytes = progress.bytes();
    throughput = progress.throughputBytesPerSecond();
    Workflow.setCurrentDetails(details());
  }

  @Override
  public void validateApprove(Approval approval) {
    throw new IllegalStateException("nothing awaits approval: restore " + restoreId + " of " + target + " is in " + phase);
  }

  @Override
  public ApprovalRecord approve(Approval approval) {
    throw new IllegalStateException("nothing awaits approval");
  }

  @Override
  public void validateApproveDecommission(Approval approval) {
    throw new IllegalStateException("no blue awaits decommissioning: restore " + restoreId + " of " + target + " is in " + phase);
  }

  @Override
  public ApprovalRecord approveDecommission(Approval approval) {
    throw new IllegalStateException("no blue awaits decommissioning");
  }

  @Override
  public void abort(OperatorAction action) {}

  @Override
  public void rollback(OperatorAction action) {}

  private Map<String, Object> manifest(
      RestoreRequest request,
      WorkflowInfo info,
      RestorePlan plan,
      RestoreEnvironment environment,
      RecoveredPoint recovered,
      RestoreChecks checks,
      double rto,
      AuditTrail audit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/restore-manifest/v1");
    m.put("restoreId", restoreId);
    m.put("target", target);
    m.put("mode", request.modeOrDefault().name().toLowerCase());
    m.put("recoveryTarget", request.recoveryTarget());
    m.put("workflowId", info.getWorkflowId());
    m.put("runId", info.getRunId());
    m.put("operator", request.operator());
    m.put("ticket", request.ticket());
    m.put("requestedAt", Instant.ofEpochMilli(startedMillis).toString());
    m.put("sealedAt", Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString());
    m.put("plan", plan);
    m.put("environment", environment);
    m.put("recovered", recovered);
    m.put("checks", checks);
    m.put("smokeQueries", request.smokeQueries());
    m.put("rtoSeconds", rto);
    m.put("auditChain", audit.chain());
    m.put("auditHead", Map.of("sequence", audit.head().sequence(), "hash", audit.head().hash()));
    return m;
  }

  /** Sends a notification; a webhook that stays down is recorded, not fatal. */
  private boolean notifySafely(AuditTrail audit, String event, String summary, Map<String, String> details) {
    return new RunbookNotifier(notifier, audit, target, "restore").send(event, summary, details);
  }

  private void enter(RestorePhase next) {
    phase = next;
    bytes = 0;
    throughput = 0;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.name()));
    Workflow.setCurrentDetails(details());
  }

  /** Markdown shown as "current details" in the Web UI. */
  private String details() {
    StringBuilder sb = new StringBuilder();
    sb.append("**Restore** `").append(restoreId).append("` of **").append(target).append("**");
    if (backupId != null) {
      sb.append(" from backup `").append(backupId).append('`');
    }
    sb.append("\n\nPhase: ").append(phase);
    if (bytes > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              phase == RestorePhase.RECOVER ? " — %.1f MiB of WAL replayed" : " — %.1f MiB unpacked, %.1f MiB/s",
              bytes / 1048576.0,
              throughput / 1048576.0));
    }
    if (lastError != null) {
      sb.append("\n\nError: ").append(lastError);
    }
    return sb.toString();
  }

  private double elapsedSeconds() {
    return (Workflow.currentTimeMillis() - startedMillis) / 1000.0;
  }
}
