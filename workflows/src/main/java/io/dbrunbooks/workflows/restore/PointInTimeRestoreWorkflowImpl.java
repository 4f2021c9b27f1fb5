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
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import io.temporal.workflow.WorkflowInit;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  // Planning re-reads the whole base backup to hash it: long, but it only reads, so a retry is
  // harmless. Heavy, like unpacking and replaying: these wait for one of the worker's restore slots.
  private final RestoreActivities planning =
      Workflow.newActivityStub(
          RestoreActivities.class,
          RunbookOptions.on(TaskQueues.Heavy.RESTORE, ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofHours(6))
              .setHeartbeatTimeout(Duration.ofMinutes(1))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(2), 4))
              .build()));

  // An abort during provisioning waits for it to finish, so the teardown that follows sees the directory.
  private final RestoreActivities quick =
      Workflow.newActivityStub(
          RestoreActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(5))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 5))
              .build());

  // Unpacking and replaying WAL take hours on a big cluster; a retried unpack starts the data
  // directory over, a retried replay finds the server it started. On cancel the teardown that
  // follows waits for the step to stop, so it does not race a tar still unpacking.
  private final RestoreActivities streaming =
      Workflow.newActivityStub(RestoreActivities.class, RunbookOptions.on(TaskQueues.Heavy.RESTORE, RunbookOptions.STREAMING));

  // Teardown is idempotent, so it may retry for a long time.
  private final RestoreActivities cleanup = Workflow.newActivityStub(RestoreActivities.class, RunbookOptions.CLEANUP);

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  // The switch holds the application's new transactions while PgBouncer is paused: a worker killed
  // mid-switch is noticed within the heartbeat timeout and the retry, idempotent, converges.
  private final SwitchoverActivities switching =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(3))
              .setHeartbeatTimeout(Duration.ofSeconds(10))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 10))
              .build());

  // Going back to blue must happen: it retries far longer than the way out.
  private final SwitchoverActivities switchingBack =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(3))
              .setHeartbeatTimeout(Duration.ofSeconds(10))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 40))
              .build());

  private final SwitchoverActivities switchoverChecks =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 5))
              .build());

  // A failed check comes back as a result, not a failure: retries only cover a lost worker.
  private final SwitchoverActivities health =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 3))
              .build());

  // pg_ctl stop waits for blue's shutdown checkpoint, which may take long on a busy cluster; it heartbeats meanwhile.
  private final SwitchoverActivities blueOps =
      Workflow.newActivityStub(
          SwitchoverActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(70))
              .setHeartbeatTimeout(Duration.ofMinutes(1))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), 20))
              .build());

  /**
   * Failures of the switch itself after which traffic is still on blue, untouched, so the restore
   * may be approved again (any failure of the guardrails qualifies: they run before the switch).
   */
  static final java.util.Set<String> NOT_SWITCHED = java.util.Set.of("GuardrailFailed", "PauseTimedOut");

  private String target;
  private String operator;
  private boolean promote;
  private String chain;
  private String restoreId;
  private String backupId;
  private RestorePhase phase = RestorePhase.PLAN;
  private long startedMillis;
  private long bytes;
  private double throughput;
  private String lastError;
  private boolean provisioned;
  private RestoreEnvironment green;

  // Mode promote: what the switchover knows; the progress query and the manifests report it.
  private CancellationScope preSwitch;
  private SwitchoverPolicy policy;
  private BlueGreenState state;
  private ApprovalRecord approval;
  private final List<ApprovalRecord> approvals = new ArrayList<>();
  private OperatorAction stopRequest;
  /** Blue's health check through PgBouncer after the last switch back: "ok" or the problem. */
  private String blueHealth;
  private String stopKind;
  private OperatorAction rollbackRequest;
  private final List<String> ignored = new ArrayList<>();
  private boolean switchStarted;
  private boolean trafficOnGreen;
  private boolean bakeDone;
  private long approvalDeadlineMillis;
  private long bakeUntilMillis;
  private long keepBlueUntilMillis;
  private long switchedMillis;
  private SwitchOutcome toGreen;
  private SwitchOutcome toBlue;
  private HealthOutcome afterSwitch;
  private BakeReport bake;
  private BlueStopped blueStopped;
  private String decommissionWorkflowId;
  private SealedManifest switchoverManifest;
  private SwitchoverOutcome outcome;
  private boolean notified;

  /**
   * Runs before any signal or update handler, which need the mode and the operator: an abort sent
   * with the start (signal-with-start) must not be taken for a signal to an isolated restore.
   */
  @WorkflowInit
  public PointInTimeRestoreWorkflowImpl(RunbookInput<RestoreRequest> input) {
    RestoreRequest request;
    try {
      request = RunbookInput.bind(input, RestoreRequest.class, EXAMPLE_INPUT);
    } catch (ApplicationFailure invalid) {
      return; // run() refuses the input with the same failure; handlers see no mode and no operator
    }
    target = request.target();
    operator = request.operator();
    promote = request.modeOrDefault() == RestoreMode.PROMOTE;
  }

  @Override
  public RestoreResult run(RunbookInput<RestoreRequest> input) {
    startedMillis = Workflow.currentTimeMillis();
    RestoreRequest request = RestoreValidation.validate(input, Workflow.getInfo().getWorkflowId(), startedMillis);
    WorkflowInfo info = Workflow.getInfo();
    target = request.target();
    operator = request.operator();
    promote = request.modeOrDefault() == RestoreMode.PROMOTE;
    // A parent (the restore drill) may have chosen the id to tear the copy down itself; no command changes either way.
    restoreId = request.restoreId() != null ? request.restoreId() : RunbookOptions.newRunId(target);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "restore"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, request.operator()));
    enter(RestorePhase.PLAN);

    chain = target + "/restores/" + restoreId;
    AuditTrail audit =
        new AuditTrail(evidence, target, chain, "target/" + target + "/restore/" + restoreId, request.operator());
    Ready ready;
    if (stopRequest != null) {
      return aborted(request, audit, null); // sent with the start, before anything ran
    }
    try {
      if (promote) {
        // An abort signal before the switch cancels this scope, whatever step is running.
        Ready[] r = {null};
        preSwitch = Workflow.newCancellationScope(() -> r[0] = restoreAndCheck(request, info, audit));
        preSwitch.run();
        ready = r[0];
      } else {
        ready = restoreAndCheck(request, info, audit);
      }
    } catch (ActivityFailure | CanceledFailure | ApplicationFailure e) {
      if (stopRequest != null && !CancellationScope.current().isCancelRequested()) {
        return aborted(request, audit, null);
      }
      throw compensate(e, audit, provisioned, request.keepOnFailure());
    }
    if (request.dryRun()) {
      return new RestoreResult(restoreId, target, true, ready.plan(), null, null, null, 0, null, false, null);
    }
    if (promote) {
      return new Switchover(request, info, audit, ready).run();
    }

    SealedManifest seal = ready.sealed();
    RestoreEnvironment env = ready.environment();
    RecoveredPoint point = ready.recovered();
    boolean[] notified = {false};
    Workflow.newDetachedCancellationScope(
            () -> {
              recordSealed(audit, seal);
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
                      readyDetails(ready));
              enter(RestorePhase.COMPLETED);
              audit.recordBestEffort("restore.completed", "succeeded", meta("restoreId", restoreId));
            })
        .run();
    return new RestoreResult(
        restoreId, target, false, ready.plan(), env, point, ready.checks(), ready.rto(), seal, notified[0], null);
  }

  /** The backups the plan passed over, one "id: reason" each, for the audit and the log; null when none. */
  private static String skippedLine(RestorePlan plan) {
    return plan.skipped().isEmpty() ? null
        : String.join("; ", plan.skipped().stream().map(k -> k.backupId() + ": " + k.reason()).toList());
  }

  /** A restored, recovered, checked and sealed cluster; for a dry run only the plan. */
  private record Ready(
      RestorePlan plan,
      RestoreEnvironment environment,
      RecoveredPoint recovered,
      RestoreChecks checks,
      double rto,
      SealedManifest sealed) {}

  /** Plan to seal: everything both modes do. Sets {@link #provisioned} before it provisions. */
  private Ready restoreAndCheck(RestoreRequest request, WorkflowInfo info, AuditTrail audit) {
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

    RestorePlan plan = planning.plan(new PlanRequest(target, request.recoveryTarget(), request.backupId()));
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
            "bytesToMove", String.valueOf(plan.bytesToMove()),
            "skipped", skippedLine(plan)));
    if (!plan.skipped().isEmpty()) {
      log.warn("restore of {} passed over newer backup(s) and uses {}: {}", target, plan.backupId(), skippedLine(plan));
    }
    if (promote) {
      // Before anything is provisioned: a target that cannot be switched over is refused now, not after hours of replay.
      policy = switchoverChecks.policy(new SwitchoverPolicyRequest(target));
      audit.record(
          "switchover.policy",
          "succeeded",
          meta(
              "approvers", String.join(",", policy.approvers()),
              "pgbouncer", policy.pgbouncer(),
              "database", policy.database(),
              "blue", String.valueOf(policy.blue()),
              "approvalTimeoutSeconds", String.valueOf(policy.approvalTimeoutSeconds()),
              "bakeSeconds", String.valueOf(policy.bakeSeconds()),
              "keepBlueSeconds", String.valueOf(policy.keepBlueSeconds())));
    }
    if (request.dryRun()) {
      enter(RestorePhase.COMPLETED);
      audit.recordBestEffort("restore.dry-run", "succeeded", meta("backupId", plan.backupId()));
      return new Ready(plan, null, null, null, 0, null);
    }

    enter(RestorePhase.PROVISION);
    // Set before the call: a call that timed out may still have created the directory.
    provisioned = true;
    RestoreEnvironment environment =
        quick.provision(new ProvisionRequest(target, restoreId, plan.artifact().sourceBytes() + plan.walBytes()));
    green = environment;
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
    RecoveredPoint recovered = streaming.recover(new RecoverRequest(target, plan, environment, request.mode()));
    audit.record(
        "restore.recovered",
        "succeeded",
        meta(
            "lsn", recovered.lsn(),
            "lastTransactionTime", recovered.lastTransactionTime(),
            "timeline", String.valueOf(recovered.timeline())));

    enter(RestorePhase.CHECK);
    RestoreChecks checks = streaming.check(new ChecksRequest(target, environment, request.smokeQueries()));
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
    double rto = elapsedSeconds();

    enter(RestorePhase.SEAL);
    SealedManifest sealed =
        evidence.sealManifest(
            new SealRequest(
                target, chain + "/manifest", manifest(request, info, plan, environment, recovered, checks, rto, audit)));
    return new Ready(plan, environment, recovered, checks, rto, sealed);
  }

  private void recordSealed(AuditTrail audit, SealedManifest seal) {
    audit.recordBestEffort(
        "restore.sealed",
        "succeeded",
        meta("manifest", seal.location(), "sha256", seal.sha256(), "signingKeyId", seal.signingKeyId()));
  }

  private Map<String, String> readyDetails(Ready ready) {
    return meta(
        "restoreId", restoreId,
        "backupId", backupId,
        "dataDirectory", ready.environment().dataDirectory(),
        "port", String.valueOf(ready.environment().port()),
        "recoveredLsn", ready.recovered().lsn(),
        "lastTransactionTime", ready.recovered().lastTransactionTime(),
        "rtoSeconds", String.format(Locale.ROOT, "%.1f", ready.rto()),
        "manifest", ready.sealed().location());
  }

  /**
   * The failure path: switch traffic back to blue if a switch was started, tear down green (unless
   * asked to keep it, or traffic may still reach it), record why, tell downstream. Runs in a
   * detached scope so that a cancelled run still cleans up after itself.
   */
  private RuntimeException compensate(RuntimeException e, AuditTrail audit, boolean provisioned, boolean keep) {
    lastError = Failures.describe(e);
    RestorePhase failedIn = phase;
    log.warn("restore {} of {} failed in {}: {}", restoreId, target, failedIn, lastError);
    enter(RestorePhase.COMPENSATING);
    Workflow.newDetachedCancellationScope(
            () -> {
              String leftBehind;
              if (switchStarted && !switchBack(audit, "compensation: " + lastError)) {
                leftBehind = "not torn down: switching traffic back to blue failed, PgBouncer may still send it to green";
              } else {
                leftBehind = switchStarted ? keepGreenIfBlueIsUnhealthy(audit) : null;
                if (leftBehind == null) {
                  leftBehind = discardGreen(audit, provisioned, keep);
                }
              }
              audit.recordBestEffort(
                  "restore.failed",
                  "failed",
                  meta("phase", failedIn.name(), "error", lastError, "errorType", Failures.type(e)));
              notifySafely(
                  audit,
                  "restore.failed",
                  "restore " + restoreId + " of " + target + " failed in " + failedIn + ": " + lastError
                      + (switchStarted ? "; traffic: " + trafficNote() : ""),
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

  /**
   * Removes the restored cluster unless the operator asked to keep it. Call only with traffic on
   * blue: the teardown itself refuses a cluster marked as serving.
   *
   * @return what was left behind and why, or null when nothing was
   */
  private String discardGreen(AuditTrail audit, boolean provisioned, boolean keep) {
    if (!provisioned) {
      return null;
    }
    if (keep) {
      audit.recordBestEffort("restore.environment-kept", "succeeded", meta("restoreId", restoreId));
      return "kept on request (keepOnFailure)";
    }
    try {
      List<String> removed = cleanup.teardown(new TeardownRequest(target, restoreId));
      audit.recordBestEffort("restore.torn-down", "succeeded", meta("removed", String.join(",", removed)));
      return null;
    } catch (ActivityFailure teardownFailure) {
      String why = "teardown failed: " + Failures.describe(teardownFailure);
      audit.recordBestEffort("restore.teardown-failed", "failed", meta("restoreId", restoreId, "error", why));
      return why;
    }
  }

  /**
   * Points the alias back at blue the same way it went to green (PAUSE, repoint, RELOAD, RESUME),
   * then checks blue answers through PgBouncer.
   *
   * @return true when PgBouncer sends the alias to blue again
   */
  private boolean switchBack(AuditTrail audit, String why) {
    enter(RestorePhase.ROLLBACK);
    try {
      toBlue = switchingBack.switchTraffic(new SwitchTrafficRequest(target, restoreId, state.blue(), false));
    } catch (ActivityFailure f) {
      trafficOnGreen = true;
      lastError = lastError == null ? Failures.describe(f) : lastError + "; switching back failed: " + Failures.describe(f);
      audit.recordBestEffort(
          "switchover.rollback-failed",
          "failed",
          meta("why", why, "error", Failures.describe(f), "pgbouncer", state.pgbouncer(), "database", state.database()));
      return false;
    }
    trafficOnGreen = false;
    try {
      HealthOutcome h = health.checkHealth(new HealthRequest(target, state.blue(), state.blueServer().clusterName()));
      blueHealth = h.ok() ? "ok" : h.problem();
    } catch (ActivityFailure f) {
      blueHealth = "not checked: " + Failures.describe(f);
    }
    audit.recordBestEffort(
        "switchover.rolled-back",
        "ok".equals(blueHealth) ? "succeeded" : "failed",
        meta(
            "why", why,
            "from", String.valueOf(toBlue.from()),
            "to", String.valueOf(toBlue.to()),
            "pausedMillis", String.valueOf(toBlue.pausedMillis()),
            "blueHealth", blueHealth));
    return true;
  }

  /**
   * After a switch back: when blue does not answer through PgBouncer either, green (with whatever
   * the application wrote during the bake) may be the better database, so it is kept.
   *
   * @return why green is kept, or null when blue is healthy and green may go
   */
  private String keepGreenIfBlueIsUnhealthy(AuditTrail audit) {
    if ("ok".equals(blueHealth)) {
      return null;
    }
    audit.recordBestEffort("restore.environment-kept", "succeeded", meta("restoreId", restoreId, "why", "blue unhealthy"));
    return "kept: blue failed its health check after the switch back (" + blueHealth + ")";
  }

  private String trafficNote() {
    if (!switchStarted) {
      return "on blue (never switched)";
    }
    return trafficOnGreen
        ? "may still go to green " + state.green() + ": check PgBouncer " + state.pgbouncer() + " (SHOW DATABASES)"
        : "back on blue " + state.blue();
  }

  /**
   * Mode promote after the restored cluster is ready: approval, guardrails, switch, bake, blue
   * stopped and handed to its decommission workflow. Every way out before the bake passed leaves
   * traffic on blue.
   */
  private final class Switchover {
    private final RestoreRequest request;
    private final WorkflowInfo info;
    private final AuditTrail audit;
    private final Ready ready;

    Switchover(RestoreRequest request, WorkflowInfo info, AuditTrail audit, Ready ready) {
      this.request = request;
      this.info = info;
      this.audit = audit;
      this.ready = ready;
    }

    RestoreResult run() {
      recordSealed(audit, ready.sealed());
      approvalDeadlineMillis = Workflow.currentTimeMillis() + policy.approvalTimeoutSeconds() * 1000;
      try {
        while (true) {
          if (!approved()) {
            if (stopRequest != null) {
              return aborted(request, audit, ready);
            }
            throw ApplicationFailure.newNonRetryableFailure(
                "nobody approved the switch within " + minutes(policy.approvalTimeoutSeconds()) + " (approvers: "
                    + String.join(", ", policy.approvers()) + ")" + (lastError == null ? "" : "; last attempt: " + lastError),
                "ApprovalTimedOut");
          }
          try {
            guardrailsAndSwitch();
          } catch (ActivityFailure f) {
            if (switchStarted && !NOT_SWITCHED.contains(Failures.type(f))) {
              throw f;
            }
            notSwitched(f);
          }
          if (stopRequest != null && !switchStarted) {
            return aborted(request, audit, ready);
          }
          if (switchStarted) {
            break;
          }
        }
        enter(RestorePhase.BAKE);
        bakeUntilMillis = Workflow.currentTimeMillis() + policy.bakeSeconds() * 1000;
        notifySafely(
            audit,
            "switchover.switched",
            "traffic for " + target + " now goes to restore " + restoreId + " (" + state.green() + "); blue "
                + state.blue() + " keeps running until the bake ends at " + iso(bakeUntilMillis) + ". Roll back with:"
                + " runbooks restore rollback --target " + target + " --reason '<why>'",
            meta("restoreId", restoreId, "green", String.valueOf(state.green()), "blue", String.valueOf(state.blue()),
                "bakeUntil", iso(bakeUntilMillis)));
        bake = bake();
        if (rollbackRequest == null) {
          passBake();
        }
      } catch (ActivityFailure | CanceledFailure | ApplicationFailure e) {
        throw compensate(e, audit, true, request.keepOnFailure());
      }
      if (rollbackRequest != null) {
        return rolledBack();
      }
      // The bake passed: green is the database now. What follows is not undone by a cancel.
      RestoreResult[] result = {null};
      Workflow.newDetachedCancellationScope(() -> result[0] = promoted()).run();
      return result[0];
    }

    /** The bake's verdict: recorded, and a failed one throws so the compensation rolls back. */
    private void passBake() {
      audit.record(
          "switchover.baked",
          bake.healthy() ? "succeeded" : "failed",
          meta(
              "checks", String.valueOf(bake.checks()),
              "failures", String.valueOf(bake.failures()),
              "lastFailure", bake.lastFailure() == null ? null : bake.lastFailure().problem()));
      if (!bake.healthy()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "green failed " + bake.consecutiveFailures() + " health checks in a row through PgBouncer during the"
                + " bake: " + bake.lastFailure().problem(),
            "GreenUnhealthy");
      }
      // Blue goes next, and that cannot be undone: green must answer now, not merely at some point of the bake.
      HealthOutcome last = health.checkHealth(new HealthRequest(target, state.green(), state.greenClusterName()));
      audit.record("switchover.final-check", last.ok() ? "succeeded" : "failed",
          meta("server", last.serverAddress() + ":" + last.serverPort(), "problem", last.problem()));
      if (!last.ok()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "green failed the health check right before blue would be stopped: " + last.problem(), "GreenUnhealthy");
      }
    }

    /**
     * Guardrails, then the switch. Guardrails that fail (blue unreachable for a while, say), or a
     * PAUSE that outlasts its timeout (the switch undid itself), leave traffic on blue.
     */
    private void guardrailsAndSwitch() {
      enter(RestorePhase.SWITCH);
      state = switchoverChecks.guardrails(new GuardrailsRequest(target, restoreId, ready.environment()));
      audit.record(
          "switchover.guardrails",
          "succeeded",
          meta(
              "pgbouncer", state.pgbouncer(),
              "database", state.database(),
              "blue", String.valueOf(state.blue()),
              "green", String.valueOf(state.green()),
              "poolMode", state.poolMode(),
              "clientsActive", String.valueOf(state.clientsActive()),
              "blueDataDirectory", state.blueServer().dataDirectory(),
              "systemIdentifier", state.blueServer().systemIdentifier(),
              "blueLsn", state.blueServer().lsn(),
              "greenLsn", state.greenLsn()));
      if (stopRequest == null) {
        switchToGreen();
      }
    }

    /**
     * The switch did not happen and traffic never left blue: hours of restore are not thrown away
     * for a transaction that held PAUSE too long or a guardrail that may pass in a minute. The
     * approval is spent; the restore waits for another one until the original deadline.
     */
    private void notSwitched(ActivityFailure f) {
      lastError = Failures.describe(f);
      switchStarted = false;
      trafficOnGreen = false;
      toGreen = null;
      audit.record("switchover.not-switched", "failed", meta("error", lastError, "errorType", Failures.type(f),
          "approver", approval.approver()));
      approval = null;
      notifySafely(
          audit,
          "switchover.not-switched",
          "the switch of " + target + " to restore " + restoreId + " did not happen, traffic stays on blue: " + lastError
              + ". The restored cluster waits for another approval until " + iso(approvalDeadlineMillis),
          meta("restoreId", restoreId, "error", lastError));
    }

    /** Waits for an approval, an abort, or the approval deadline; true when approved. */
    private boolean approved() {
      enter(RestorePhase.AWAIT_APPROVAL);
      if (approvals.isEmpty()) {
        notifySafely(
            audit,
            "restore.awaiting-approval",
            "restore " + restoreId + " of " + target + " to " + request.recoveryTarget().describe() + " is ready and checked"
                + " (recovered to " + ready.recovered().lastTransactionTime() + "); it takes the traffic of PgBouncer "
                + policy.pgbouncer() + " database " + policy.database() + " once one of " + String.join(", ", policy.approvers())
                + " approves before " + iso(approvalDeadlineMillis) + ": runbooks restore approve --target " + target
                + " --approver <name>",
            readyDetails(ready));
      }
      Workflow.await(
          Duration.ofMillis(Math.max(0, approvalDeadlineMillis - Workflow.currentTimeMillis())),
          () -> approval != null || stopRequest != null);
      if (stopRequest != null || approval == null) {
        return false;
      }
      audit.record(
          "switchover.approved",
          "succeeded",
          meta("approver", approval.approver(), "comment", approval.comment(), "at", approval.at()));
      return true;
    }

    private void switchToGreen() {
      // Set before the call: a switch that timed out may still have moved the alias.
      switchStarted = true;
      trafficOnGreen = true;
      toGreen = switching.switchTraffic(new SwitchTrafficRequest(target, restoreId, state.green(), true));
      switchedMillis = Workflow.currentTimeMillis();
      audit.record(
          "switchover.switched",
          "succeeded",
          meta(
              "from", String.valueOf(toGreen.from()),
              "to", String.valueOf(toGreen.to()),
              "changed", String.valueOf(toGreen.changed()),
              "pausedMillis", String.valueOf(toGreen.pausedMillis())));
      // Right after the switch: the same check the bake repeats, a few tries for a cold pool.
      for (int attempt = 1; ; attempt++) {
        afterSwitch = health.checkHealth(new HealthRequest(target, state.green(), state.greenClusterName()));
        if (afterSwitch.ok() || attempt >= policy.healthCheckFailures()) {
          break;
        }
        Workflow.sleep(Duration.ofSeconds(policy.healthCheckIntervalSeconds()));
      }
      audit.record(
          "switchover.health-checked",
          afterSwitch.ok() ? "succeeded" : "failed",
          meta(
              "server", afterSwitch.serverAddress() + ":" + afterSwitch.serverPort(),
              "clusterName", afterSwitch.clusterName(),
              "millis", String.valueOf(afterSwitch.millis()),
              "problem", afterSwitch.problem()));
      if (!afterSwitch.ok()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "green failed its health check through PgBouncer after the switch: " + afterSwitch.problem(), "GreenUnhealthy");
      }
    }

    /**
     * Health checks through PgBouncer until the bake ends, in one long activity (a bake of days
     * would otherwise fill the history with checks). A rollback signal cancels it.
     *
     * @return the watch's report; a healthy empty one when the bake is 0; null after a rollback request
     */
    private BakeReport bake() {
      if (policy.bakeSeconds() <= 0 || rollbackRequest != null) {
        return rollbackRequest != null ? null : new BakeReport(true, 0, 0, 0, null);
      }
      long slack = (long) policy.healthCheckIntervalSeconds() * policy.healthCheckFailures() + 300;
      SwitchoverActivities watcher =
          Workflow.newActivityStub(
              SwitchoverActivities.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(policy.bakeSeconds() + slack))
                  .setHeartbeatTimeout(Duration.ofSeconds(30))
                  .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 10))
                  .build());
      WatchHealthRequest watch =
          new WatchHealthRequest(
              target,
              state.green(),
              state.greenClusterName(),
              bakeUntilMillis,
              policy.healthCheckIntervalSeconds(),
              policy.healthCheckFailures());
      List<Promise<BakeReport>> running = new ArrayList<>();
      CancellationScope scope = Workflow.newCancellationScope(() -> running.add(Async.function(watcher::watchHealth, watch)));
      scope.run();
      Promise<BakeReport> report = running.get(0);
      Workflow.await(() -> report.isCompleted() || rollbackRequest != null);
      if (rollbackRequest != null) {
        scope.cancel();
        return null;
      }
      return report.get();
    }

    /** A rollback signal during the bake: traffic back to blue, green discarded; not a failure of the runbook. */
    private RestoreResult rolledBack() {
      RestoreResult[] result = {null};
      Workflow.newDetachedCancellationScope(
              () -> {
                String why = rollbackRequest.by() + ": " + rollbackRequest.reason();
                if (!switchBack(audit, "rollback requested by " + why)) {
                  notifySafely(
                      audit,
                      "switchover.rollback-failed",
                      "restore " + restoreId + " of " + target + ": rollback requested by " + why + " FAILED: "
                          + lastError + "; traffic " + trafficNote() + "; green is left running",
                      meta("restoreId", restoreId, "by", rollbackRequest.by(), "error", lastError));
                  enter(RestorePhase.FAILED);
                  throw ApplicationFailure.newNonRetryableFailure(
                      "rollback requested by " + why + ", but switching traffic back to blue failed: " + lastError
                          + "; green is left running",
                      "RollbackFailed");
                }
                String leftBehind = keepGreenIfBlueIsUnhealthy(audit);
                if (leftBehind == null) {
                  leftBehind = discardGreen(audit, true, request.keepOnFailure());
                }
                outcome = SwitchoverOutcome.ROLLED_BACK;
                sealSwitchover(audit);
                notified =
                    notifySafely(
                    audit,
                    "switchover.rolled-back",
                    "restore " + restoreId + " of " + target + " rolled back on request (" + why + "): traffic is on blue "
                        + state.blue() + " again"
                        + (leftBehind == null ? "; green removed" : "; green " + leftBehind),
                    meta("restoreId", restoreId, "by", rollbackRequest.by(), "reason", rollbackRequest.reason(),
                        "environmentLeftBehind", leftBehind));
                enter(RestorePhase.COMPLETED);
                result[0] = result();
              })
          .run();
      return result[0];
    }

    /** After the bake: stop blue, seal, hand blue to its decommission workflow, tell people. */
    private RestoreResult promoted() {
      bakeDone = true;
      enter(RestorePhase.STOP_BLUE);
      String blueNote;
      try {
        blueStopped = blueOps.stopBlue(new BlueRequest(target, restoreId, state.blueServer()));
        keepBlueUntilMillis = Workflow.currentTimeMillis() + policy.keepBlueSeconds() * 1000;
        decommissionWorkflowId = BlueDecommissionWorkflow.workflowId(restoreId);
        audit.recordBestEffort(
            "switchover.blue-stopped",
            "succeeded",
            meta(
                "dataDirectory", blueStopped.dataDirectory(),
                "wasRunning", String.valueOf(blueStopped.wasRunning()),
                "lsn", blueStopped.lsn(),
                "keepUntil", iso(keepBlueUntilMillis)));
        blueNote = "blue " + state.blueServer().dataDirectory() + " is stopped and kept until " + iso(keepBlueUntilMillis)
            + "; remove it after that with: runbooks restore approve-decommission --target " + target
            + " --approver <name>";
      } catch (ActivityFailure f) {
        blueNote = "stopping blue failed (" + Failures.describe(f) + "): it still runs at " + state.blue()
            + " with no traffic; stop it by hand";
        audit.recordBestEffort("switchover.blue-stop-failed", "failed", meta("error", Failures.describe(f)));
      }
      outcome = SwitchoverOutcome.PROMOTED;
      if (decommissionWorkflowId != null) {
        startDecommission();
      }
      SealedManifest sealed = sealSwitchover(audit);
      enter(RestorePhase.NOTIFY);
      notified =
          notifySafely(
          audit,
          "switchover.promoted",
          "restore " + restoreId + " of " + target + " is promoted: PgBouncer " + state.pgbouncer() + " sends database "
              + state.database() + " to " + state.green() + " (" + ready.environment().dataDirectory() + "). " + blueNote
              + ". " + whereTheTargetIsReached(sealed),
          meta(
              "restoreId", restoreId,
              "green", String.valueOf(state.green()),
              "greenDataDirectory", ready.environment().dataDirectory(),
              "blue", String.valueOf(state.blue()),
              "keepBlueUntil", keepBlueUntilMillis == 0 ? null : iso(keepBlueUntilMillis),
              "decommissionWorkflowId", decommissionWorkflowId,
              "switchoverManifest", sealed == null ? null : sealed.location()));
      enter(RestorePhase.COMPLETED);
      audit.recordBestEffort("restore.completed", "succeeded", meta("restoreId", restoreId, "outcome", "promoted"));
      return result();
    }

    /** Backups and the WAL archiver follow the promotion only through its sealed manifest (see Promotions in activities). */
    private String whereTheTargetIsReached(SealedManifest sealed) {
      if (sealed == null) {
        return "The switchover manifest could not be sealed, so nothing redirects the target: point its connection in the"
            + " targets file at " + state.green() + ", or backups and the WAL archiver keep reaching "
            + (state.targetConnection() == null ? "blue" : state.targetConnection()) + ".";
      }
      return "Backups, the WAL archiver and the next switchover now reach " + state.green()
          + (state.targetConnection() == null ? "" : " instead of " + state.targetConnection())
          + ", as the sealed switchover manifest says; name the new server in the targets file when convenient.";
    }

    private void startDecommission() {
      BlueDecommissionWorkflow child =
          Workflow.newChildWorkflowStub(
              BlueDecommissionWorkflow.class,
              ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(decommissionWorkflowId)
                  .setStaticSummary("decommission of blue after restore " + restoreId + " of " + target)
                  .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                  .build());
      Async.function(
          child::run,
          RunbookInput.of(new DecommissionRequest(
              target,
              restoreId,
              operator,
              policy.approvers(),
              iso(keepBlueUntilMillis),
              state.blueServer(),
              chain + "/switchover-manifest",
              request.ticket())));
      try {
        Workflow.getWorkflowExecution(child).get();
      } catch (RuntimeException e) {
        decommissionWorkflowId = null;
        audit.recordBestEffort("switchover.decommission-not-started", "failed", meta("error", Failures.describe(e)));
      }
    }

    /** The switchover's own signed manifest: the restore manifest says what came back, this one what took the traffic. */
    private SealedManifest sealSwitchover(AuditTrail audit) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schema", "db-runbooks/switchover-manifest/v1");
      m.put("restoreId", restoreId);
      m.put("target", target);
      m.put("workflowId", info.getWorkflowId());
      m.put("runId", info.getRunId());
      m.put("operator", operator);
      m.put("ticket", request.ticket());
      m.put("restoreManifest", Map.of("location", ready.sealed().location(), "sha256", ready.sealed().sha256()));
      m.put("outcome", outcome);
      m.put("approvals", approvals);
      m.put("rollbackRequest", rollbackRequest);
      m.put("state", state);
      m.put("toGreen", toGreen);
      m.put("trafficOnGreenAt", switchedMillis == 0 ? null : iso(switchedMillis));
      m.put("secondsToTraffic", switchedMillis == 0 ? null : (switchedMillis - startedMillis) / 1000.0);
      m.put("afterSwitch", afterSwitch);
      m.put("bake", bake);
      m.put("toBlue", toBlue);
      m.put("blueStopped", blueStopped);
      m.put("keepBlueUntil", keepBlueUntilMillis == 0 ? null : iso(keepBlueUntilMillis));
      m.put("decommissionWorkflowId", decommissionWorkflowId);
      m.put("sealedAt", iso(Workflow.currentTimeMillis()));
      m.put("auditChain", audit.chain());
      m.put("auditHead", Map.of("sequence", audit.head().sequence(), "hash", audit.head().hash()));
      try {
        switchoverManifest = evidence.sealManifest(new SealRequest(target, chain + "/switchover-manifest", m));
        audit.recordBestEffort(
            "switchover.sealed",
            "succeeded",
            meta("manifest", switchoverManifest.location(), "sha256", switchoverManifest.sha256()));
      } catch (ActivityFailure f) {
        audit.recordBestEffort("switchover.seal-failed", "failed", meta("error", Failures.describe(f)));
      }
      return switchoverManifest;
    }

    /** The run's result; the switchover report carries the switchover manifest. */
    private RestoreResult result() {
      return new RestoreResult(
          restoreId,
          target,
          false,
          ready.plan(),
          ready.environment(),
          ready.recovered(),
          ready.checks(),
          ready.rto(),
          ready.sealed(),
          notified,
          switchoverReport());
    }
  }

  /** Abort (or a rollback before the switch): green discarded, traffic never moved; not a failure of the runbook. */
  private RestoreResult aborted(RestoreRequest request, AuditTrail audit, Ready ready) {
    RestorePhase abortedIn = phase;
    Workflow.newDetachedCancellationScope(
            () -> {
              outcome = SwitchoverOutcome.ABORTED;
              audit.recordBestEffort(
                  "switchover.aborted",
                  "succeeded",
                  meta("by", stopRequest.by(), "reason", stopRequest.reason(), "phase", abortedIn.name()));
              String leftBehind = discardGreen(audit, provisioned, request.keepOnFailure());
              notified =
                  notifySafely(
                  audit,
                  "restore.aborted",
                  "restore " + restoreId + " of " + target + " aborted in " + abortedIn + " by " + stopRequest.by() + " ("
                      + stopRequest.reason() + "); traffic never left blue"
                      + (leftBehind == null ? "" : "; restored cluster " + leftBehind),
                  meta("restoreId", restoreId, "by", stopRequest.by(), "reason", stopRequest.reason(),
                      "environmentLeftBehind", leftBehind));
              enter(RestorePhase.COMPLETED);
            })
        .run();
    return new RestoreResult(
        restoreId,
        target,
        false,
        ready == null ? null : ready.plan(),
        ready == null ? green : ready.environment(),
        ready == null ? null : ready.recovered(),
        ready == null ? null : ready.checks(),
        ready == null ? 0 : ready.rto(),
        ready == null ? null : ready.sealed(),
        notified,
        switchoverReport());
  }

  // ---------------------------------------------------------------- updates, signals, query

  @Override
  public void validateApprove(Approval a) {
    if (!promote) {
      throw Approvals.refused("restore " + restoreId + " of " + target + " runs in mode isolated: there is no"
          + " switch to approve");
    }
    if (approval != null) {
      throw Approvals.refused("the switch of " + target + " was already approved by " + approval.approver()
          + " at " + approval.at());
    }
    if (phase != RestorePhase.AWAIT_APPROVAL || stopRequest != null) {
      throw Approvals.refused("nothing awaits approval: restore " + restoreId + " of " + target + " is in phase "
          + phase + (stopRequest != null ? " (stopped by " + stopRequest.by() + ")" : "")
          + (phase.ordinal() < RestorePhase.AWAIT_APPROVAL.ordinal() ? "; approve once it is ready and checked" : ""));
    }
    Approvals.check("the switch of the traffic of " + target + " to restore " + restoreId, a, operator, policy.approvers());
  }

  @Override
  public ApprovalRecord approve(Approval a) {
    approval = new ApprovalRecord("switchover", a.approver().strip(), a.comment(), iso(Workflow.currentTimeMillis()));
    approvals.add(approval);
    Workflow.setCurrentDetails(details());
    return approval;
  }

  @Override
  public void abort(OperatorAction action) {
    stop("abort", action);
  }

  @Override
  public void rollback(OperatorAction action) {
    if (switchStarted && !bakeDone) {
      if (rollbackRequest == null) {
        rollbackRequest = normalize(action);
      }
      return;
    }
    stop("rollback", action);
  }

  /** Before the switch, abort and rollback both stop the run; after it they are recorded as ignored. */
  private void stop(String kind, OperatorAction action) {
    OperatorAction a = normalize(action);
    if (!promote || switchStarted || stopRequest != null) {
      String why = !promote ? "mode isolated has no switchover" : stopRequest != null ? "already stopping"
          : bakeDone ? "blue is stopped: nothing to go back to" : "the switch has started: use rollback";
      ignored.add(kind + " by " + a.by() + " ignored in " + phase + " (" + why + ")");
      log.warn("restore {} of {}: {}", restoreId, target, ignored.get(ignored.size() - 1));
      return;
    }
    stopRequest = a;
    stopKind = kind;
    if (preSwitch != null) {
      preSwitch.cancel();
    }
  }

  private static OperatorAction normalize(OperatorAction a) {
    String by = a == null || a.by() == null || a.by().isBlank() ? "unknown" : a.by().strip();
    String reason = a == null || a.reason() == null || a.reason().isBlank() ? "no reason given" : a.reason().strip();
    return new OperatorAction(by, reason);
  }

  @Override
  public RestoreProgress progress() {
    return new RestoreProgress(
        target, restoreId, phase, backupId, bytes, throughput, elapsedSeconds(), lastError, switchoverReport(),
        startedMillis == 0 ? null : Instant.ofEpochMilli(startedMillis).toString());
  }

  private SwitchoverReport switchoverReport() {
    if (!promote) {
      return null;
    }
    return new SwitchoverReport(
        outcome,
        policy == null ? List.of() : policy.approvers(),
        approvalDeadlineMillis == 0 ? null : iso(approvalDeadlineMillis),
        approvals,
        stopRequest != null
            ? stopKind + " by " + stopRequest.by() + ": " + stopRequest.reason()
            : rollbackRequest != null ? "rollback by " + rollbackRequest.by() + ": " + rollbackRequest.reason() : null,
        state,
        toGreen,
        afterSwitch,
        bakeUntilMillis == 0 ? null : iso(bakeUntilMillis),
        bake,
        toBlue,
        blueStopped,
        keepBlueUntilMillis == 0 ? null : iso(keepBlueUntilMillis),
        decommissionWorkflowId,
        switchoverManifest,
        ignored);
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
    sb.append("\n\nStarted ").append(startedMillis == 0 ? "-" : RunbookDetails.at(startedMillis)).append(" by ")
        .append(operator == null ? null : RunbookDetails.escape(operator)).append(promote ? ", mode promote" : ", mode isolated");
    sb.append("\n\nPhase: ").append(phase);
    if (bytes > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              phase == RestorePhase.RECOVER ? " — %.1f MiB of WAL replayed" : " — %.1f MiB unpacked, %.1f MiB/s",
              bytes / 1048576.0,
              throughput / 1048576.0));
    }
    if (phase == RestorePhase.AWAIT_APPROVAL) {
      sb.append("\n\nAwaiting approval by one of ").append(String.join(", ", policy.approvers()))
          .append(" until ").append(iso(approvalDeadlineMillis))
          .append(": `runbooks restore approve --target ").append(target).append(" --approver <name>`");
    }
    if (approval != null) {
      sb.append("\n\nApproved by ").append(approval.approver()).append(" at ").append(approval.at());
    }
    if (state != null) {
      sb.append("\n\nPgBouncer ").append(state.pgbouncer()).append(" database ").append(state.database()).append(": ")
          .append(trafficNote());
    }
    if (phase == RestorePhase.BAKE) {
      sb.append("\n\nBaking until ").append(iso(bakeUntilMillis))
          .append(": `runbooks restore rollback --target ").append(target).append(" --reason <why>` switches back");
    }
    if (outcome != null) {
      sb.append("\n\nOutcome: ").append(outcome.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    if (lastError != null) {
      sb.append("\n\nError: ").append(lastError);
    }
    return sb.toString();
  }

  private static String iso(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  private static String minutes(long seconds) {
    return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }

  private double elapsedSeconds() {
    return (Workflow.currentTimeMillis() - startedMillis) / 1000.0;
  }
}
