package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.retention.RetentionActivities;
import io.dbrunbooks.workflows.retention.RetentionOutcome;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.dbrunbooks.workflows.retention.RetentionResult;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.dbrunbooks.workflows.retention.RetentionWorkflowImpl;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workflow logic with fake activities and time skipping: each scenario reads like the runbook. */
class BackupWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final FakeBackupActivities backup = new FakeBackupActivities();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();
  private final List<RetentionRequest> retentionRuns = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final RetentionActivities retention = new RetentionActivities() {
    @Override
    public RetentionPlan plan(RetentionRequest r) {
      retentionRuns.add(r);
      return new RetentionPlan(r.target(), 7, 2, "2026-11-21T10:00:00Z", "2026-11-14T10:00:00Z", List.of(), List.of(), null, List.of());
    }

    @Override
    public RetentionOutcome apply(RetentionPlan p) {
      throw new UnsupportedOperationException("nothing to expire in these tests");
    }
  };

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, RetentionWorkflowImpl.class);
    worker.registerActivitiesImplementations(backup, evidence, notify, retention);
    // Takes and verifications run on the backup queue, where the worker limits how many run at once.
    env.newWorker(TaskQueues.Heavy.BACKUP.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(backup);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private BackupWorkflow stub(String workflowId) {
    return client.newWorkflowStub(
        BackupWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  private static BackupRequest request(String target) {
    return new BackupRequest(target, BackupMethod.PHYSICAL, "alice", "CHG-1234", "0123abc");
  }

  private WorkflowFailedException runExpectingFailure(BackupRequest request) {
    return assertThrows(WorkflowFailedException.class, () -> stub(BackupWorkflow.workflowId("orders")).run(RunbookInput.of(request)));
  }

  private static String rootMessage(WorkflowFailedException e) {
    return ((ApplicationFailure) e.getCause()).getOriginalMessage();
  }

  @Test
  void aTargetWithARetentionPolicyStartsRetentionOnceTheBackupIsSealed() {
    backup.retentionPolicy = true;
    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));
    WorkflowStub retentionRun = client.newUntypedWorkflowStub(RetentionWorkflow.workflowId("orders"));
    RetentionResult r = retentionRun.getResult(RetentionResult.class);
    assertTrue(r.plan().nothingToDo());
    assertEquals(List.of(new RetentionRequest("orders", false, "backup/orders", "after backup " + result.backupId())), retentionRuns);
  }

  @Test
  void withoutARetentionPolicyNoRetentionRuns() {
    stub("backup/orders").run(RunbookInput.of(request("orders")));
    assertTrue(retentionRuns.isEmpty());
    assertThrows(io.temporal.client.WorkflowNotFoundException.class,
        () -> client.newUntypedWorkflowStub(RetentionWorkflow.workflowId("orders")).describe());
  }

  @Test
  void takeAndVerifyAreScheduledOnTheBackupQueueEverythingElseOnTheMainQueue() {
    stub("backup/orders").run(RunbookInput.of(request("orders")));
    Map<String, String> queueByActivity = new java.util.TreeMap<>();
    client.fetchHistory("backup/orders").getEvents().stream()
        .filter(e -> e.hasActivityTaskScheduledEventAttributes())
        .map(e -> e.getActivityTaskScheduledEventAttributes())
        .forEach(a -> queueByActivity.merge(a.getActivityType().getName(), a.getTaskQueue().getName(),
            (x, y) -> x.equals(y) ? x : x + "," + y));
    Map<String, String> heavy = new java.util.TreeMap<>(queueByActivity);
    heavy.values().removeIf(q -> q.equals(TaskQueues.RUNBOOKS));
    assertEquals(Map.of("TakeBackup", "db-runbooks-backup", "VerifyBackup", "db-runbooks-backup"), heavy, queueByActivity.toString());
  }

  @Test
  void happyPathTakesVerifiesSealsAndNotifiesWithAContiguousAuditTrail() {
    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));

    assertTrue(result.backupId().matches("orders-\\d{8}T\\d{6}Z-[0-9a-f]{6}"), result.backupId());
    assertEquals(List.of("precheck", "take", "verify"), backup.calls);
    assertTrue(result.notified());
    assertEquals("file:/evidence/orders/backups/" + result.backupId() + "/manifest.jws", result.manifest().location());
    assertEquals(
        List.of("backup.requested", "backup.precheck", "backup.taken", "backup.verified", "backup.sealed", "backup.completed"),
        evidence.actions());
    // Sequence numbers are contiguous and every entry names the operator.
    for (int i = 0; i < evidence.entries.size(); i++) {
      assertEquals(i + 1, evidence.entries.get(i).sequence());
      assertEquals("alice", evidence.entries.get(i).event().user());
    }
    assertEquals(List.of("backup.succeeded"), notify.events());
    assertEquals(List.of("orders/" + result.backupId() + "/base.tar.zst.aes"), backup.stored, "the backup is kept");
  }

  @Test
  void thePrecheckEventSaysWhichWalsendersWereJudgedAndWhichOnlyReported() {
    backup.standbys = List.of(new StandbyLag("replica-a", "10.0.0.5", "streaming", 0, "0/5000000", 0,
        "caught up: replayed up to 0/5000000, all the primary has flushed"));
    backup.receivers = List.of(new WalReceiver("archiver", "db-runbooks-wal-archiver", "10.0.0.9", "streaming",
        "db_runbooks_orders", "0/4000000", 16777216, 95, "this target's WAL archiver, stored up to 0/4000000; not judged"));
    backup.notes = List.of("the WAL archiver (slot db_runbooks_orders) has archived only up to 0/4000000");
    stub("backup/orders").run(RunbookInput.of(request("orders")));
    Map<String, String> meta = evidence.entries.stream().filter(e -> e.event().action().equals("backup.precheck"))
        .findFirst().orElseThrow().event().metadata();
    assertEquals("'replica-a' (10.0.0.5, streaming): caught up: replayed up to 0/5000000, all the primary has flushed",
        meta.get("standbys"));
    assertEquals("archiver 'db-runbooks-wal-archiver' (10.0.0.9, streaming, slot db_runbooks_orders): this target's WAL"
        + " archiver, stored up to 0/4000000; not judged", meta.get("receivers"));
    assertEquals("the WAL archiver (slot db_runbooks_orders) has archived only up to 0/4000000", meta.get("notes"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void manifestCarriesProvenanceKeyIdsArtifactsAndTheAuditHead() {
    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));
    Map<String, Object> m = evidence.manifests.get("orders/backups/" + result.backupId() + "/manifest");

    assertEquals("backup/orders", m.get("workflowId"));
    assertEquals("alice", m.get("operator"));
    assertEquals("CHG-1234", m.get("ticket"));
    assertEquals("0123abc", m.get("commitSha"));
    assertEquals("local:kek-1", ((Map<String, Object>) m.get("keys")).get("dataKeyWrappingKeyId"));
    Map<String, Object> artifact = ((List<Map<String, Object>>) m.get("artifacts")).get(0);
    assertEquals("aa".repeat(32), artifact.get("sha256"));
    assertEquals("0/2000028", ((Map<String, Object>) m.get("wal")).get("startLsn"));
    // Sealed after the verify entry (sequence 4): the manifest commits to the chain up to there.
    Map<String, Object> head = (Map<String, Object>) m.get("auditHead");
    assertEquals(4L, ((Number) head.get("sequence")).longValue());
    assertEquals("backup.verified", evidence.entries.get(3).event().action());
  }

  @Test
  void theBackupsClassIsSealedInTheManifestAndRecordedWhenRequested() {
    BackupRequest weekly = new BackupRequest("orders", BackupMethod.PHYSICAL, "schedule:weekly", null, null, "weekly");
    BackupResult result = stub("backup/orders").run(RunbookInput.of(weekly));
    Map<String, Object> m = evidence.manifests.get("orders/backups/" + result.backupId() + "/manifest");
    assertEquals("weekly", m.get("backupClass"));
    assertEquals("weekly", evidence.entries.get(0).event().metadata().get("backupClass"), "backup.requested names the class");
  }

  @Test
  void anUnclassedBackupSealsNoClass() {
    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));
    Map<String, Object> m = evidence.manifests.get("orders/backups/" + result.backupId() + "/manifest");
    assertNull(m.get("backupClass"));
  }

  @Test
  void replicationLagOverTheLimitRefusesBeforeAnythingIsWritten() {
    backup.precheckFailure =
        FakeBackupActivities.nonRetryable(
            "replication lag 42.0 s on standby 'replica1' exceeds the limit of 30 s for target orders",
            "ReplicationLagTooHigh");

    WorkflowFailedException e = runExpectingFailure(request("orders"));

    assertTrue(rootMessage(e).contains("failed in PRECHECK: replication lag 42.0 s"), rootMessage(e));
    assertEquals(List.of("precheck"), backup.calls, "no backup taken, nothing to delete");
    assertEquals(List.of("backup.requested", "backup.failed"), evidence.actions());
    assertEquals("ReplicationLagTooHigh", evidence.entries.get(1).event().metadata().get("errorType"));
    assertEquals(List.of("backup.failed"), notify.events());
  }

  @Test
  void aFailedBackupStepDeletesItsPartialArtifactAndReportsIt() {
    backup.takeFailure = FakeBackupActivities.nonRetryable("backup store /backups is not writable", "StoreUnwritable");

    WorkflowFailedException e = runExpectingFailure(request("orders"));

    assertTrue(rootMessage(e).contains("failed in BACKUP: backup store /backups is not writable"), rootMessage(e));
    assertEquals(List.of("precheck", "take", "delete"), backup.calls);
    assertTrue(backup.stored.isEmpty(), "partial artifact removed");
    assertEquals(
        List.of("backup.requested", "backup.precheck", "backup.artifacts-deleted", "backup.failed"), evidence.actions());
    assertEquals(List.of("backup.failed"), notify.events());
  }

  @Test
  void aBackupThatFailsVerificationIsDeletedAndNeverSealed() {
    backup.verifyFailure =
        FakeBackupActivities.nonRetryable("artifact file:/backups/x: sha256 mismatch", "BackupVerificationFailed");

    WorkflowFailedException e = runExpectingFailure(request("orders"));

    assertTrue(rootMessage(e).contains("failed in VERIFY"), rootMessage(e));
    assertEquals(List.of("precheck", "take", "verify", "delete"), backup.calls);
    assertTrue(evidence.manifests.isEmpty(), "nothing sealed");
    assertTrue(backup.stored.isEmpty());
  }

  @Test
  void aSealFailureDeletesTheArtifactsButNotTheEvidence() {
    evidence.sealFailure = FakeBackupActivities.nonRetryable("evidence registry refused the write", "EvidenceConflict");

    runExpectingFailure(request("orders"));

    assertEquals(List.of("precheck", "take", "verify", "delete"), backup.calls);
    assertTrue(backup.stored.isEmpty());
    assertEquals("backup.failed", evidence.actions().get(evidence.actions().size() - 1), "audit trail kept and extended");
  }

  @Test
  void aWebhookThatStaysDownDoesNotFailAFinishedBackup() {
    notify.failure = FakeBackupActivities.nonRetryable("webhook answered 404", "WebhookRejected");

    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));

    assertFalse(result.notified());
    assertTrue(evidence.actions().contains("backup.notify-failed"));
    assertEquals("backup.completed", evidence.actions().get(evidence.actions().size() - 1));
    assertEquals(1, backup.stored.size(), "the verified backup is kept");
  }

  @Test
  void theWorkflowIdIsTheLockAndAnyOtherIdIsRefused() {
    WorkflowFailedException e =
        assertThrows(WorkflowFailedException.class, () -> stub("my-backup").run(RunbookInput.of(request("orders"))));

    assertTrue(rootMessage(e).contains("with workflow id 'backup/orders'"), rootMessage(e));
    assertTrue(backup.calls.isEmpty());
    assertTrue(evidence.entries.isEmpty(), "bad input changes nothing");
  }

  @Test
  void missingOperatorOrBadTargetNameIsRefusedBeforeAnyActivity() {
    WorkflowFailedException noOperator =
        runExpectingFailure(new BackupRequest("orders", null, " ", null, null));
    assertTrue(rootMessage(noOperator).contains("field 'operator' is required"), rootMessage(noOperator));

    WorkflowFailedException badName =
        assertThrows(
            WorkflowFailedException.class,
            () -> stub("backup/Orders DB").run(RunbookInput.of(new BackupRequest("Orders DB", null, "alice", null, null))));
    assertTrue(rootMessage(badName).contains("got 'Orders DB'"), rootMessage(badName));
    assertTrue(backup.calls.isEmpty());
  }

  @Test
  void aSecondBackupOfTheSameTargetIsRefusedWhileOneRuns() throws Exception {
    backup.holdTake = new CountDownLatch(1);
    WorkflowClient.start(stub("backup/orders")::run, RunbookInput.of(request("orders")));
    assertTrue(backup.takeStarted.await(10, TimeUnit.SECONDS));

    assertThrows(WorkflowExecutionAlreadyStarted.class, () -> WorkflowClient.start(stub("backup/orders")::run, RunbookInput.of(request("orders"))));

    backup.holdTake.countDown();
    client.newUntypedWorkflowStub("backup/orders").getResult(BackupResult.class);
    assertEquals(1, backup.calls.stream().filter("take"::equals).count());
  }

  @Test
  void progressShowsThePhaseAndTheBytesReportedByTheBackupStep() throws Exception {
    backup.holdTake = new CountDownLatch(1);
    BackupWorkflow run = stub("backup/orders");
    WorkflowClient.start(run::run, RunbookInput.of(request("orders")));
    assertTrue(backup.takeStarted.await(10, TimeUnit.SECONDS));

    run.reportProgress(new ByteProgress(64L << 20, 32.0 * (1 << 20)));
    BackupProgress progress = run.progress();

    assertEquals(BackupPhase.BACKUP, progress.phase());
    assertEquals("orders", progress.target());
    assertEquals(64L << 20, progress.bytes());
    assertEquals(32.0 * (1 << 20), progress.throughputBytesPerSecond());
    backup.holdTake.countDown();
    WorkflowStub.fromTyped(run).getResult(BackupResult.class);
    BackupProgress done = run.progress();
    assertEquals(BackupPhase.COMPLETED, done.phase());
    // After the step, throughput comes from its own timestamps: 1 MiB in 4 s.
    assertEquals(262_144.0, done.throughputBytesPerSecond());
  }

  @Test
  void theWebUiShowsCurrentDetailsWhileTheBackupRuns() throws Exception {
    backup.holdTake = new CountDownLatch(1);
    BackupWorkflow run = stub("backup/orders");
    WorkflowClient.start(run::run, RunbookInput.of(request("orders")));
    assertTrue(backup.takeStarted.await(10, TimeUnit.SECONDS));

    // What the Web UI's User Metadata tab and `temporal workflow metadata` ask for.
    String details = WorkflowStub.fromTyped(run)
        .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class).getCurrentDetails();
    assertTrue(details.startsWith("**Backup** `orders-"), details);
    assertTrue(details.contains("**Phase**: backup: pg_basebackup streaming into the store"), details);
    assertTrue(details.contains("**Operator**: alice"), details);
    assertTrue(details.contains("**Started**: "), details);

    run.reportProgress(new ByteProgress(64L << 20, 32.0 * (1 << 20)));
    details = WorkflowStub.fromTyped(run)
        .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class).getCurrentDetails();
    assertTrue(details.contains("**Written**: 64.0 MiB at 32.0 MiB/s (as of "), details);
    assertTrue(run.progress().startedAt() != null, "the progress query says when the run started");
    backup.holdTake.countDown();
    WorkflowStub.fromTyped(run).getResult(BackupResult.class);
  }

  @Test
  void onceSealedABackupIsKeptEvenWhenLaterBookkeepingFails() {
    evidence.failAction = "backup.completed";

    BackupResult result = stub("backup/orders").run(RunbookInput.of(request("orders")));

    assertEquals(List.of("precheck", "take", "verify"), backup.calls, "nothing deleted after sealing");
    assertEquals(1, backup.stored.size());
    assertEquals(1, evidence.manifests.size());
    assertEquals(List.of("backup.succeeded"), notify.events(), "one run, one outcome");
    assertTrue(result.notified());
  }

  @Test
  void aFailedCleanupIsRecordedAndTheFailureStillReported() {
    backup.verifyFailure = FakeBackupActivities.nonRetryable("pg_verifybackup: checksum mismatch", "BackupVerificationFailed");
    backup.deleteFailure = FakeBackupActivities.nonRetryable("store went read-only", "StoreUnwritable");

    WorkflowFailedException e = runExpectingFailure(request("orders"));

    assertTrue(rootMessage(e).contains("failed in VERIFY: pg_verifybackup: checksum mismatch"), rootMessage(e));
    assertEquals(
        List.of("backup.requested", "backup.precheck", "backup.taken", "backup.artifacts-delete-failed", "backup.failed"),
        evidence.actions());
    assertEquals(List.of("backup.failed"), notify.events());
    assertTrue(notify.sent.get(0).details().get("artifactsLeftBehind").contains("store went read-only"));
  }

  // Cancelling a running backup is tested end to end on the real dev server (BackupEndToEndTest):
  // the Java test server rejects RequestCancelActivityTask for a running activity.
}
