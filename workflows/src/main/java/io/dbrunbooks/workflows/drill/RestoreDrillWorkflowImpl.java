package io.dbrunbooks.workflows.drill;

import static io.dbrunbooks.workflows.common.AuditTrail.meta;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookNotifier;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreActivities;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;

/**
 * The restore drill, top to bottom: mark the moment of loss, choose a backup, restore it as a
 * child in mode isolated (its teardown registered first), validate, measure RTO and RPO against the
 * objectives, tear down, seal, notify. Whatever happens after the restore started (failure, cancel,
 * a worker lost and replaced) ends in the teardown of the copy, recorded in the manifest.
 */
public class RestoreDrillWorkflowImpl implements RestoreDrillWorkflow {
  private static final Logger log = Workflow.getLogger(RestoreDrillWorkflowImpl.class);

  // Reads and one restore point: quick, and harmless to retry. A cancel waits for the call to end.
  private final DrillActivities quick =
      Workflow.newActivityStub(
          DrillActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(2), Duration.ofSeconds(30), 5))
              .build());

  // The application's check runs up to its own timeout (at most an hour); it heartbeats while it runs,
  // so a lost worker is noticed. It only reads the copy: a retry after a lost worker is harmless.
  private final DrillActivities smoke =
      Workflow.newActivityStub(
          DrillActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(SmokeCommand.MAX_TIMEOUT_SECONDS + 300))
              .setHeartbeatTimeout(Duration.ofSeconds(30))
              .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofSeconds(30), 2))
              .build());

  // The teardown is idempotent (a copy already gone is nothing to remove), so it may retry for long.
  private final RestoreActivities cleanup = Workflow.newActivityStub(RestoreActivities.class, RunbookOptions.CLEANUP);

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  /** Polls two seconds apart for the archive to hold the loss marker: a minute, then the restore goes on. */
  static final int MARKER_WAIT_POLLS = 30;

  private String target;
  private String operator;
  private String drillId;
  private String restoreId;
  private String scenario;
  private DrillPhase phase = DrillPhase.MARK_LOSS;
  private long startedMillis;
  private String lastError;
  private String backupId;
  private RecoveryTarget recoveryTarget;
  /** Set before the child starts: from then on the copy may exist and the teardown must run. */
  private boolean restoreStarted;

  // What the drill found, for the verdict and the manifest.
  private LossMoment loss;
  private DrillCandidates candidates;
  private RestoreResult restored;
  private SmokeCommandOutcome smokeOutcome;
  private Double rtoSeconds;
  private RecoveryPointGap rpo;

  @Override
  public DrillResult run(RunbookInput<DrillRequest> input) {
    startedMillis = Workflow.currentTimeMillis();
    DrillRequest request = DrillValidation.validate(input);
    target = request.target();
    operator = request.operator();
    scenario = request.scenarioOrDefault().label();
    drillId = RunbookOptions.newRunId(target);
    // The drill's copy carries the drill's id: the teardown below knows what to remove before the restore starts.
    restoreId = drillId;
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "drill"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, operator));
    enter(DrillPhase.MARK_LOSS);
    AuditTrail audit = new AuditTrail(evidence, target, target + "/drills/" + drillId, "target/" + target + "/drill/" + drillId,
        operator);

    TemporalFailure failure = null;
    try {
      drill(request, audit);
    } catch (TemporalFailure e) {
      failure = e;
      lastError = describe(e);
      log.warn("drill {} of {} failed in {}: {}", drillId, target, phase, lastError);
    }
    DrillPhase failedIn = phase;
    boolean canceled = failure != null && CancellationScope.current().isCancelRequested();
    DrillResult[] result = {null};
    // Detached: a canceled drill still tears its copy down, seals what it found and tells people.
    TemporalFailure thrown = failure;
    Workflow.newDetachedCancellationScope(() -> result[0] = finish(request, audit, thrown, failedIn, canceled)).run();
    if (failure == null) {
      return result[0];
    }
    if (canceled) {
      throw new CanceledFailure("drill " + drillId + " of " + target + " canceled in " + failedIn + "; copy: "
          + result[0].cleanup().outcome());
    }
    throw ApplicationFailure.newNonRetryableFailureWithCause("drill " + drillId + " of " + target + " failed in " + failedIn
        + ": " + lastError + "; copy: " + result[0].cleanup().outcome(), "DrillFailed", failure);
  }

  /** Loss, selection, restore, validation, measurement: everything that may fail. */
  private void drill(DrillRequest request, AuditTrail audit) {
    audit.record("drill.requested", "started", meta(
        "scenario", scenario,
        "select", request.selectOrDefault().name().toLowerCase(Locale.ROOT),
        "windowDays", String.valueOf(request.windowDaysOrDefault()),
        "recovery", request.recoveryOrDefault().name().toLowerCase(Locale.ROOT),
        "smokeQueries", String.valueOf(request.smokeQueries().size()),
        "smokeCommand", request.smokeCommand() == null ? null : request.smokeCommand().command().get(0),
        "workflowId", Workflow.getInfo().getWorkflowId(),
        "ticket", request.ticket()));

    // First: the moment the drill pretends the source was lost. The RTO clock started with the run.
    loss = quick.markLoss(new LossRequest(target, drillId));
    audit.record("drill.loss-marked", "succeeded", meta(
        "sourceTime", loss.sourceTime(), "sourceLsn", loss.sourceLsn(), "archiveEndLsn", loss.archiveEndLsn(),
        "markerLsn", loss.markerLsn(), "markerNote", loss.markerNote()));

    enter(DrillPhase.SELECT);
    candidates = quick.candidates(target);
    Random random = Workflow.newRandom();
    BackupCandidate chosen = DrillSelection.backup(candidates.backups(), request.selectOrDefault(), request.windowDaysOrDefault(),
        Workflow.currentTimeMillis(), random);
    if (chosen == null) {
      throw ApplicationFailure.newNonRetryableFailure("no sealed physical backup of " + target + " to drill"
          + (request.selectOrDefault() == BackupSelection.RANDOM ? " sealed within the last " + request.windowDaysOrDefault()
              + " days" : "") + (candidates.passedOver().isEmpty() ? "" : "; passed over: "
              + String.join("; ", candidates.passedOver())), "NoBackupToDrill");
    }
    backupId = chosen.backupId();
    boolean markerArchived = awaitMarkerArchived(audit);
    recoveryTarget = DrillSelection.recoveryTarget(request.recoveryOrDefault(), loss, chosen, random, markerArchived);
    audit.record("drill.selected", "succeeded", meta(
        "backupId", backupId, "sealedAt", chosen.sealedAt(), "recoveryTarget", recoveryTarget.describe(),
        "candidates", String.valueOf(candidates.backups().size()),
        "objectives", "RTO " + candidates.objectives().rtoSeconds() + " s, RPO " + candidates.objectives().rpoSeconds() + " s ("
            + candidates.objectives().source() + ")"));

    enter(DrillPhase.RESTORE);
    // Set before the start: a restore whose start was lost in a crash may still have provisioned the copy.
    restoreStarted = true;
    PointInTimeRestoreWorkflow restore = Workflow.newChildWorkflowStub(PointInTimeRestoreWorkflow.class,
        ChildWorkflowOptions.newBuilder()
            // The restore lock: a drill never runs beside a real restore of its target, and waits for none.
            .setWorkflowId(PointInTimeRestoreWorkflow.workflowId(target))
            .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            // A drill that is terminated asks its restore to stop, which then tears down what it built.
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
            .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
            .build());
    restored = restore.run(RunbookInput.of(new RestoreRequest(target, recoveryTarget, backupId, RestoreMode.ISOLATED,
        request.smokeQueries(), false, false, operator, request.ticket(), restoreId)));
    audit.record("drill.restored", "succeeded", meta(
        "restoreId", restored.restoreId(), "recoveredLsn", restored.recovered().lsn(),
        "lastTransactionTime", restored.recovered().lastTransactionTime(),
        "amcheck", restored.checks().amcheck().ok() ? "ok" : "failed",
        "smokeQueries", String.valueOf(restored.checks().smoke().size()),
        "restoreManifest", restored.manifest().location()));

    if (request.smokeCommand() != null) {
      enter(DrillPhase.SMOKE);
      smokeOutcome = smoke.runSmokeCommand(new SmokeCommandRequest(target, restored.environment(), request.smokeCommand()));
      audit.record("drill.smoke-command", smokeOutcome.passed() ? "succeeded" : "failed", meta(
          "command", String.join(" ", smokeOutcome.command()), "exitCode", String.valueOf(smokeOutcome.exitCode()),
          "timedOut", String.valueOf(smokeOutcome.timedOut()),
          "lastLines", String.join(" | ", smokeOutcome.lastLines())));
      if (!smokeOutcome.passed()) {
        throw ApplicationFailure.newNonRetryableFailure("the application smoke command " + smokeOutcome.command().get(0)
            + (smokeOutcome.timedOut() ? " timed out" : " exited " + smokeOutcome.exitCode()) + ": "
            + String.join(" | ", smokeOutcome.lastLines()), "DrillValidationFailed");
      }
    }
    // Restored and validated: this is what the business would have waited for.
    rtoSeconds = elapsedSeconds();
    if (request.recoveryOrDefault() == DrillRecovery.LATEST) {
      rpo = RecoveryPointGap.measure(loss, restored.recovered());
    }
  }

  /**
   * Waits (up to a minute) for the archive to hold the marker written at the loss: only then is
   * there a record at or after the archive's end at the loss for recovery to stop on. An archiver
   * that does not move within the minute is recorded, and the restore goes to the archive's end.
   */
  private boolean awaitMarkerArchived(AuditTrail audit) {
    if (loss.markerLsn() == null || loss.archiveEndLsn() == null) {
      return false;
    }
    long marker = RecoveryPointGap.lsn(loss.markerLsn());
    for (int i = 0; i < MARKER_WAIT_POLLS; i++) {
      String end = quick.archivedEnd(new ArchiveEndRequest(target, loss.timeline()));
      if (end != null && RecoveryPointGap.lsn(end) >= marker) {
        return true;
      }
      Workflow.sleep(Duration.ofSeconds(2));
    }
    audit.record("drill.archive-stalled", "failed", meta("markerLsn", loss.markerLsn(), "note",
        "the WAL archive did not reach the loss marker within " + MARKER_WAIT_POLLS * 2 + " s (is the WAL archiver running?);"
            + " restoring to the archive's end at restore time"));
    return false;
  }

  /** Teardown, verdict, seal, notify; runs whatever happened before. */
  private DrillResult finish(DrillRequest request, AuditTrail audit, TemporalFailure failure, DrillPhase failedIn,
      boolean canceled) {
    enter(DrillPhase.CLEANUP);
    DrillCleanup cleaned = teardown(audit);
    DrillObjectives objectives = candidates == null ? null : candidates.objectives();
    List<String> failures = new ArrayList<>();
    if (failure != null) {
      failures.add((canceled ? "canceled in " : "failed in ") + failedIn + ": " + lastError);
    }
    if (objectives != null && rtoSeconds != null && rtoSeconds > objectives.rtoSeconds()) {
      failures.add(String.format(Locale.ROOT, "RTO %.1f s is over the objective of %.0f s", rtoSeconds, objectives.rtoSeconds()));
    }
    if (objectives != null && rpo != null && (rpo.seconds() == null || rpo.seconds() > objectives.rpoSeconds())) {
      failures.add(rpo.seconds() == null ? "RPO could not be measured: " + rpo.method()
          : String.format(Locale.ROOT, "RPO %.3f s is over the objective of %.0f s", rpo.seconds(), objectives.rpoSeconds()));
    }
    if ("failed".equals(cleaned.outcome())) {
      failures.add("the copy was not torn down: " + cleaned.error());
    }
    boolean passed = failures.isEmpty();
    String outcome = passed ? "passed" : canceled ? "canceled" : failure != null ? "failed" : "missed-objectives";

    enter(DrillPhase.SEAL);
    SealedManifest sealed = null;
    try {
      sealed = evidence.sealManifest(new SealRequest(target, target + "/drills/" + drillId + "/manifest",
          manifest(request, audit, outcome, passed, failures, cleaned, objectives)));
      audit.recordBestEffort("drill.sealed", "succeeded", meta("manifest", sealed.location(), "sha256", sealed.sha256()));
    } catch (ActivityFailure e) {
      failures.add("the drill manifest could not be sealed: " + Failures.describe(e));
      passed = false;
    }

    enter(DrillPhase.NOTIFY);
    // A drill that could not restore or validate found a bad backup or archive: that is what drills are for.
    String severity = passed ? Notification.INFO : failure != null && !canceled ? Notification.CRITICAL : Notification.WARNING;
    boolean notified = new RunbookNotifier(notifier, audit, target, "drill").send(
        passed ? "drill.passed" : "drill." + outcome, severity,
        "restore drill " + drillId + " of " + target + " (" + scenario + "): " + (passed ? "passed" : String.join("; ", failures))
            + (rtoSeconds == null ? "" : String.format(Locale.ROOT, "; RTO %.1f s", rtoSeconds))
            + (rpo == null || rpo.seconds() == null ? "" : String.format(Locale.ROOT, ", RPO %.3f s / %d bytes", rpo.seconds(),
                rpo.bytes())),
        meta("drillId", drillId, "backupId", backupId, "scenario", scenario, "outcome", outcome,
            "manifest", sealed == null ? null : sealed.location(), "copy", cleaned.outcome()));
    audit.recordBestEffort("drill.completed", outcome, meta("failures", failures.isEmpty() ? null : String.join("; ", failures)));
    enter(passed || failure == null ? DrillPhase.COMPLETED : DrillPhase.FAILED);
    return new DrillResult(drillId, target, scenario, passed, List.copyOf(failures), backupId, recoveryTarget,
        restoreStarted ? restoreId : null, loss, rtoSeconds == null ? 0 : rtoSeconds, rpo, objectives, smokeOutcome, cleaned,
        sealed, notified);
  }

  /** Removes the drill's copy whether the restore succeeded, failed, was canceled or never started. */
  private DrillCleanup teardown(AuditTrail audit) {
    if (!restoreStarted) {
      return new DrillCleanup(null, "nothing-to-remove", List.of(), null);
    }
    try {
      List<String> removed = cleanup.teardown(new TeardownRequest(target, restoreId));
      String outcome = removed.isEmpty() ? "nothing-to-remove" : "removed";
      audit.recordBestEffort("drill.torn-down", "succeeded", meta("restoreId", restoreId, "outcome", outcome,
          "removed", String.join(",", removed)));
      return new DrillCleanup(restoreId, outcome, removed, null);
    } catch (ActivityFailure e) {
      String why = Failures.describe(e);
      audit.recordBestEffort("drill.teardown-failed", "failed", meta("restoreId", restoreId, "error", why));
      return new DrillCleanup(restoreId, "failed", List.of(), why);
    }
  }

  private Map<String, Object> manifest(DrillRequest request, AuditTrail audit, String outcome, boolean passed,
      List<String> failures, DrillCleanup cleaned, DrillObjectives objectives) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/drill-manifest/v1");
    m.put("drillId", drillId);
    m.put("target", target);
    m.put("scenario", scenario);
    m.put("outcome", outcome);
    m.put("passed", passed);
    m.put("failures", failures);
    m.put("workflowId", Workflow.getInfo().getWorkflowId());
    m.put("runId", Workflow.getInfo().getRunId());
    m.put("operator", operator);
    m.put("ticket", request.ticket());
    m.put("startedAt", iso(startedMillis));
    m.put("sealedAt", iso(Workflow.currentTimeMillis()));
    Map<String, Object> selection = new LinkedHashMap<>();
    selection.put("select", request.selectOrDefault().name().toLowerCase(Locale.ROOT));
    selection.put("windowDays", request.windowDaysOrDefault());
    selection.put("recovery", request.recoveryOrDefault().name().toLowerCase(Locale.ROOT));
    selection.put("backupId", backupId);
    selection.put("recoveryTarget", recoveryTarget == null ? null : recoveryTarget.describe());
    selection.put("candidates", candidates == null ? null : candidates.backups().size());
    selection.put("passedOver", candidates == null ? List.of() : candidates.passedOver());
    m.put("selection", selection);
    m.put("loss", loss);
    m.put("objectives", objectives);
    m.put("rtoSeconds", rtoSeconds);
    m.put("rpo", rpo);
    if (restored != null) {
      m.put("restore", Map.of("restoreId", restored.restoreId(), "workflowId", PointInTimeRestoreWorkflow.workflowId(target),
          "manifest", restored.manifest(), "recovered", restored.recovered(), "restoreRtoSeconds", restored.rtoSeconds()));
      m.put("checks", restored.checks());
    }
    m.put("smokeQueries", request.smokeQueries());
    m.put("smokeCommand", smokeOutcome);
    m.put("cleanup", cleaned);
    m.put("auditChain", audit.chain());
    if (audit.head() != null) {
      m.put("auditHead", Map.of("sequence", audit.head().sequence(), "hash", audit.head().hash()));
    }
    return m;
  }

  /** A child restore's failure in its own words ("restore of orders failed in PLAN: ..."), not the SDK's wrapping. */
  private static String describe(Throwable e) {
    Throwable t = e;
    while (t instanceof ChildWorkflowFailure && t.getCause() != null) {
      t = t.getCause();
    }
    return Failures.describe(t);
  }

  @Override
  public DrillProgress progress() {
    return new DrillProgress(target, drillId, phase, scenario, backupId, recoveryTarget == null ? null : recoveryTarget.describe(),
        restoreStarted ? PointInTimeRestoreWorkflow.workflowId(target) : null, restoreStarted ? restoreId : null,
        elapsedSeconds(), startedMillis == 0 ? null : iso(startedMillis), lastError);
  }

  private void enter(DrillPhase next) {
    phase = next;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.name()));
    Workflow.setCurrentDetails(details());
  }

  /** Markdown shown as "current details" in the Web UI. */
  private String details() {
    RunbookDetails d = RunbookDetails.of("Restore drill", drillId, target)
        .row("Scenario", scenario)
        .row("Started", startedMillis == 0 ? null : RunbookDetails.at(startedMillis))
        .typed("Operator", operator)
        .row("Phase", phase)
        .row("Backup", backupId == null ? null : "`" + backupId + "`")
        .row("Recovery target", recoveryTarget == null ? null : recoveryTarget.describe())
        .row("Moment of loss", loss == null ? null : loss.sourceTime() + " at " + loss.sourceLsn());
    if (restoreStarted && phase == DrillPhase.RESTORE) {
      d.paragraph("The restore runs as `" + PointInTimeRestoreWorkflow.workflowId(target) + "`: its progress query shows the bytes.");
    }
    return d.row("Error", lastError).toString();
  }

  private double elapsedSeconds() {
    return startedMillis == 0 ? 0 : (Workflow.currentTimeMillis() - startedMillis) / 1000.0;
  }

  private static String iso(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
