package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookNotifier;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The backup runbook, top to bottom: precheck, take, verify, seal, notify. Every step leaves an
 * audit entry; a failure after anything was written deletes the artifacts (never the evidence),
 * records why, and tells downstream.
 */
public class BackupWorkflowImpl implements BackupWorkflow {
  private static final Logger log = Workflow.getLogger(BackupWorkflowImpl.class);
  private static final Pattern COMMIT_SHA = Pattern.compile("[0-9a-fA-F]{7,64}");

  /** Same rule as the targets file, so a bad name fails here before any activity runs. */
  static final Pattern TARGET_NAME = RunbookOptions.TARGET_NAME;

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  // Quick, cheap checks: a few attempts, then a person should look.
  private final BackupActivities checks =
      Workflow.newActivityStub(
          BackupActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(1), 5))
              .build());

  // Hours-long streaming steps: the retry starts the artifact over under the same backup id. Heavy:
  // they wait in the backup queue for one of the worker's backup slots.
  private final BackupActivities streaming =
      Workflow.newActivityStub(BackupActivities.class, RunbookOptions.on(TaskQueues.Heavy.BACKUP, RunbookOptions.STREAMING));

  // Deleting is idempotent, so it may retry for a long time.
  private final BackupActivities cleanup = Workflow.newActivityStub(BackupActivities.class, RunbookOptions.CLEANUP);

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  private String target;
  private String backupId;
  private BackupPhase phase = BackupPhase.PRECHECK;
  private long startedMillis;
  private long bytes;
  private double throughput;
  private String lastError;
  private BackupMethod method;
  private String operator;
  private long bytesAt;
  private String backupClass;

  @Override
  public BackupResult run(RunbookInput<BackupRequest> input) {
    startedMillis = Workflow.currentTimeMillis();
    BackupRequest request = validate(RunbookInput.bind(input, BackupRequest.class, EXAMPLE_INPUT));
    WorkflowInfo info = Workflow.getInfo();
    target = request.target();
    method = request.methodOrDefault();
    operator = request.operator();
    backupClass = request.backupClass();
    backupId = RunbookOptions.newRunId(target);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "backup"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, request.operator()));
    Workflow.setCurrentDetails(details());

    AuditTrail audit =
        new AuditTrail(
            evidence,
            target,
            target + "/backups/" + backupId,
            "target/" + target + "/backup/" + backupId,
            request.operator());
    boolean artifactsMayExist = false;
    PrecheckReport precheck;
    BackupArtifact artifact;
    VerificationReport verification;
    SealedManifest sealed;
    try {
      // Inside the try: an unknown target or an unwritable registry fails here, and is reported.
      audit.record(
          "backup.requested",
          "started",
          AuditTrail.meta(
              "method", method.name().toLowerCase(),
              "workflowId", info.getWorkflowId(),
              "runId", info.getRunId(),
              "ticket", request.ticket(),
              "commitSha", request.commitSha(),
              "backupClass", request.backupClass()));

      enter(BackupPhase.PRECHECK);
      precheck = checks.precheck(new PrecheckRequest(target, method));
      audit.record(
          "backup.precheck",
          "succeeded",
          AuditTrail.meta(
              "serverVersion", precheck.serverVersion(),
              "role", precheck.role(),
              "replicationLagSeconds", String.valueOf(precheck.replicationLagSeconds()),
              "lagLimitSeconds", String.valueOf(precheck.lagLimitSeconds()),
              "standbys", lines(precheck.standbys(), StandbyLag::summary),
              "receivers", lines(precheck.receivers(), WalReceiver::summary),
              "notes", lines(precheck.notes(), n -> n),
              "databaseBytes", String.valueOf(precheck.databaseBytes())));
      if (precheck.notes() != null) {
        precheck.notes().forEach(n -> log.warn("backup {} of {}: {}", backupId, target, n));
      }

      enter(BackupPhase.BACKUP);
      // Set before the call: a call that timed out may still have written the artifact.
      artifactsMayExist = true;
      artifact = streaming.takeBackup(new TakeBackupRequest(target, backupId, method));
      bytes = artifact.storedBytes();
      throughput = sourceThroughput(artifact);
      audit.record(
          "backup.taken",
          "succeeded",
          AuditTrail.meta(
              "artifact", artifact.location(),
              "sha256", artifact.sha256(),
              "storedBytes", String.valueOf(artifact.storedBytes()),
              "sourceBytes", String.valueOf(artifact.sourceBytes()),
              "wrappingKeyId", artifact.wrappingKeyId(),
              "startLsn", artifact.startLsn(),
              "stopLsn", artifact.stopLsn()));

      enter(BackupPhase.VERIFY);
      verification = streaming.verifyBackup(new VerifyRequest(target, artifact));
      audit.record(
          "backup.verified",
          "succeeded",
          AuditTrail.meta("tool", verification.tool(), "sha256", verification.sha256(), "checks", String.valueOf(verification.checks().size())));

      enter(BackupPhase.SEAL);
      Map<String, Object> manifest = manifest(request, method, info, precheck, artifact, verification, audit);
      sealed = evidence.sealManifest(new SealRequest(target, target + "/backups/" + backupId + "/manifest", manifest));
    } catch (ActivityFailure | CanceledFailure e) {
      throw compensate(e, audit, artifactsMayExist);
    }

    // Sealed: from here on the backup is valid evidence and is never deleted. What is left is
    // bookkeeping, finished even if a cancel arrives meanwhile.
    SealedManifest seal = sealed;
    BackupArtifact stored = artifact;
    boolean retention = precheck.retentionPolicy();
    boolean[] notified = {false};
    Workflow.newDetachedCancellationScope(
            () -> {
              audit.recordBestEffort(
                  "backup.sealed",
                  "succeeded",
                  AuditTrail.meta("manifest", seal.location(), "sha256", seal.sha256(), "signingKeyId", seal.signingKeyId()));
              enter(BackupPhase.NOTIFY);
              notified[0] =
                  notifySafely(
                      audit,
                      "backup.succeeded",
                      "backup " + backupId + " of " + target + " verified and sealed",
                      AuditTrail.meta(
                          "backupId", backupId,
                          "manifest", seal.location(),
                          "artifact", stored.location(),
                          "sha256", stored.sha256(),
                          "storedBytes", String.valueOf(stored.storedBytes())));
              enter(BackupPhase.COMPLETED);
              audit.recordBestEffort("backup.completed", "succeeded", AuditTrail.meta("backupId", backupId));
              // Versioned: runs recorded before retention existed replay without this step.
              if (Workflow.getVersion("retention-after-backup", Workflow.DEFAULT_VERSION, 1) == 1 && retention) {
                startRetention();
              }
            })
        .run();
    return new BackupResult(
        backupId, target, method, precheck, artifact, verification, sealed, notified[0], elapsedSeconds());
  }

  /**
   * Starts {@code retention/<target>} as an abandoned child: the backup does not wait for it, and a
   * retention already running (started by the previous backup, or by a person) is left to finish.
   */
  private void startRetention() {
    RetentionWorkflow child = Workflow.newChildWorkflowStub(RetentionWorkflow.class, ChildWorkflowOptions.newBuilder()
        .setWorkflowId(RetentionWorkflow.workflowId(target))
        .setStaticSummary("retention of " + target + " after backup " + backupId)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
        .build());
    Async.function(
        child::run, RunbookInput.of(new RetentionRequest(target, false, "backup/" + target, "after backup " + backupId)));
    try {
      Workflow.getWorkflowExecution(child).get();
    } catch (RuntimeException e) {
      log.info("retention of {} not started after backup {}: {}", target, backupId, Failures.describe(e));
    }
  }

  /**
   * The failure path: delete what was written (never evidence), record why, tell downstream. Runs
   * in a detached scope so that a cancelled run still cleans up after itself.
   *
   * @return the exception the workflow ends with: a cancellation stays a cancellation
   */
  private RuntimeException compensate(RuntimeException e, AuditTrail audit, boolean artifactsMayExist) {
    lastError = Failures.describe(e);
    BackupPhase failedIn = phase;
    log.warn("backup {} of {} failed in {}: {}", backupId, target, failedIn, lastError);
    enter(BackupPhase.COMPENSATING);
    Workflow.newDetachedCancellationScope(
            () -> {
              String leftBehind = null;
              if (artifactsMayExist) {
                try {
                  List<String> deleted = cleanup.deleteArtifacts(new DeleteArtifactsRequest(target, backupId));
                  audit.recordBestEffort(
                      "backup.artifacts-deleted", "succeeded", AuditTrail.meta("deleted", String.join(",", deleted)));
                } catch (ActivityFailure cleanupFailure) {
                  // Say so loudly and carry on: the failure itself must still be recorded and sent.
                  leftBehind = Failures.describe(cleanupFailure);
                  audit.recordBestEffort(
                      "backup.artifacts-delete-failed", "failed", AuditTrail.meta("backupId", backupId, "error", leftBehind));
                }
              }
              audit.recordBestEffort(
                  "backup.failed",
                  "failed",
                  AuditTrail.meta("phase", failedIn.name(), "error", lastError, "errorType", Failures.type(e)));
              notifySafely(
                  audit,
                  "backup.failed",
                  "backup " + backupId + " of " + target + " failed in " + failedIn + ": " + lastError,
                  AuditTrail.meta(
                      "backupId", backupId,
                      "phase", failedIn.name(),
                      "error", lastError,
                      "artifactsLeftBehind", leftBehind == null ? null : "delete failed: " + leftBehind));
              enter(BackupPhase.FAILED);
            })
        .run();
    if (CancellationScope.current().isCancelRequested()) {
      return new CanceledFailure("backup of " + target + " canceled in " + failedIn);
    }
    return ApplicationFailure.newNonRetryableFailureWithCause(
        "backup of " + target + " failed in " + failedIn + ": " + lastError, "BackupFailed", e);
  }

  @Override
  public BackupProgress progress() {
    return new BackupProgress(target, backupId, phase, bytes, throughput, elapsedSeconds(), lastError,
        startedMillis == 0 ? null : Instant.ofEpochMilli(startedMillis).toString());
  }

  @Override
  public void reportProgress(ByteProgress progress) {
    if (phase != BackupPhase.BACKUP) {
      return; // a late signal from a finished attempt must not rewind what people see
    }
    bytes = progress.bytes();
    throughput = progress.throughputBytesPerSecond();
    bytesAt = Workflow.currentTimeMillis();
    Workflow.setCurrentDetails(details());
  }

  /** Refuses input that no retry can fix, before anything is touched. */
  private static BackupRequest validate(BackupRequest request) {
    InputChecks.target(request.target());
    InputChecks.operator(request.operator(), "operator", "the audit trail records who asked for the backup");
    InputChecks.optionalName("ticket", request.ticket());
    BackupClass.check(request.backupClass());
    if (request.commitSha() != null && !COMMIT_SHA.matcher(request.commitSha()).matches()) {
      throw InputChecks.invalid("field 'commitSha' must be a git commit id (7 to 64 hex digits), got "
          + InputChecks.shown(request.commitSha()));
    }
    InputChecks.workflowId(BackupWorkflow.workflowId(request.target()), "backup of " + request.target());
    return request;
  }

  /** What the precheck judged (or only reported), one entry a line; null when there is none, so the key is left out. */
  private static <T> String lines(List<T> items, Function<T, String> line) {
    if (items == null || items.isEmpty()) {
      return null;
    }
    return items.stream().map(line).collect(Collectors.joining("\n"));
  }

  private Map<String, Object> manifest(
      BackupRequest request,
      BackupMethod method,
      WorkflowInfo info,
      PrecheckReport precheck,
      BackupArtifact artifact,
      VerificationReport verification,
      AuditTrail audit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/backup-manifest/v1");
    m.put("backupId", backupId);
    m.put("target", target);
    m.put("method", method.name().toLowerCase());
    m.put("workflowId", info.getWorkflowId());
    m.put("runId", info.getRunId());
    m.put("operator", request.operator());
    m.put("ticket", request.ticket());
    m.put("commitSha", request.commitSha());
    m.put("backupClass", request.backupClass()); // null: unclassed, as every manifest sealed before classes
    m.put("requestedAt", Instant.ofEpochMilli(startedMillis).toString());
    m.put("sealedAt", Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString());
    m.put("precheck", precheck);
    m.put("artifact", artifact);
    m.put("verification", verification);
    Map<String, Object> stored = new LinkedHashMap<>();
    stored.put("key", artifact.key());
    stored.put("location", artifact.location());
    stored.put("sha256", artifact.sha256());
    stored.put("storedBytes", artifact.storedBytes());
    m.put("artifacts", List.of(stored));
    m.put("keys", AuditTrail.meta("dataKeyWrappingKeyId", artifact.wrappingKeyId()));
    m.put("wal", walSection(verification));
    m.put("auditChain", audit.chain());
    m.put("auditHead", Map.of("sequence", audit.head().sequence(), "hash", audit.head().hash())); // never null: set by the verify entry
    return m;
  }

  private static Map<String, Object> walSection(VerificationReport v) {
    Map<String, Object> wal = new LinkedHashMap<>();
    wal.put("startLsn", v.startLsn());
    wal.put("stopLsn", v.stopLsn());
    wal.put("startWal", v.startWal());
    wal.put("stopWal", v.stopWal());
    wal.put("timeline", v.timeline());
    wal.put("startTime", v.backupStartTime());
    wal.put("stopTime", v.backupStopTime());
    return wal;
  }

  /** Sends a notification; a webhook that stays down is recorded, not fatal. */
  private boolean notifySafely(AuditTrail audit, String event, String summary, Map<String, String> details) {
    return new RunbookNotifier(notifier, audit, target, "backup").send(event, summary, details);
  }


  private void enter(BackupPhase next) {
    phase = next;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.name()));
    Workflow.setCurrentDetails(details());
  }

  /** Markdown shown as "current details" in the Web UI. */
  private String details() {
    return RunbookDetails.of("Backup", backupId, target)
        .row("Phase", phase.name().toLowerCase(Locale.ROOT) + (waitingFor() == null ? "" : ": " + waitingFor()))
        .row("Method", method == null ? null : method.name().toLowerCase(Locale.ROOT))
        .row("Class", backupClass)
        .typed("Operator", operator)
        .row("Started", RunbookDetails.at(startedMillis))
        .bytes("Written", bytes, throughput, bytesAt == 0 ? null : RunbookDetails.at(bytesAt))
        .row("Error", lastError)
        .toString();
  }

  /** What the current phase is doing, in words a DBA recognises. */
  private String waitingFor() {
    return switch (phase) {
      case PRECHECK -> "checking the server (version, role, replication lag, privileges, free space)";
      case BACKUP -> (method == BackupMethod.LOGICAL ? "pg_dump" : "pg_basebackup") + " streaming into the store";
      case VERIFY -> "re-reading the artifact (checksums, decryption"
          + (method == BackupMethod.LOGICAL ? ", pg_restore --list)" : ", pg_verifybackup)");
      case SEAL -> "signing the manifest into the evidence registry";
      case NOTIFY -> "sending the notification";
      case COMPENSATING -> "deleting what this run wrote";
      default -> null;
    };
  }

  /** Bytes per second the tool produced, from the step's own timestamps (0 when unknown). */
  private static double sourceThroughput(BackupArtifact a) {
    if (a.startedAt() == null || a.finishedAt() == null) {
      return 0;
    }
    long millis = Duration.between(Instant.parse(a.startedAt()), Instant.parse(a.finishedAt())).toMillis();
    return millis <= 0 ? 0 : a.sourceBytes() * 1000.0 / millis;
  }

  private double elapsedSeconds() {
    return (Workflow.currentTimeMillis() - startedMillis) / 1000.0;
  }


}
