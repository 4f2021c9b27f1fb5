package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The restore runbook's logic with fake activities and time skipping. */
class PointInTimeRestoreWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final FakeRestoreActivities restore = new FakeRestoreActivities();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(PointInTimeRestoreWorkflowImpl.class);
    worker.registerActivitiesImplementations(restore, evidence, notify);
    env.newWorker(TaskQueues.Heavy.RESTORE.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(restore);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private PointInTimeRestoreWorkflow stub(String workflowId) {
    return client.newWorkflowStub(PointInTimeRestoreWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  /** An hour ago by the test server's clock: a time the fake catalog can restore to. */
  private String anHourAgo() {
    return Instant.ofEpochMilli(env.currentTimeMillis()).minusSeconds(3600).toString();
  }

  private RestoreRequest request(RecoveryTarget to, boolean keepOnFailure, boolean dryRun, RestoreMode mode) {
    return new RestoreRequest("orders", to, null, mode, List.of(new SmokeQuery(null, null, "SELECT count(*) FROM orders")),
        keepOnFailure, dryRun, "alice", "INC-77");
  }

  private RestoreRequest request(boolean keepOnFailure) {
    return request(RecoveryTarget.time(anHourAgo()), keepOnFailure, false, RestoreMode.ISOLATED);
  }

  private ApplicationFailure failure(RestoreRequest request) {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub("restore/orders").run(RunbookInput.of(request)));
    return (ApplicationFailure) e.getCause();
  }

  @Test
  void happyPathRestoresChecksSealsAndLeavesTheClusterRunning() {
    RestoreResult r = stub("restore/orders").run(RunbookInput.of(request(false)));

    assertEquals(List.of("plan", "provision", "restore", "recover", "check"), restore.calls);
    assertEquals(java.util.Set.of(r.restoreId()), restore.environments, "the isolated cluster stays up for people to inspect");
    assertTrue(r.restoreId().matches("orders-\\d{8}T\\d{6}Z-[0-9a-f]{6}"), r.restoreId());
    assertEquals("2026-11-21T10:40:58.912Z", r.recovered().lastTransactionTime());
    assertTrue(r.rtoSeconds() >= 0);
    assertEquals("file:/evidence/orders/restores/" + r.restoreId() + "/manifest.jws", r.manifest().location());
    assertEquals(List.of("restore.requested", "restore.planned", "restore.provisioned", "restore.base-restored",
        "restore.recovered", "restore.checked", "restore.sealed", "restore.completed"), evidence.actions());
    Map<String, Object> m = evidence.manifests.get("orders/restores/" + r.restoreId() + "/manifest");
    assertEquals("orders-20261121T090000Z-abc123", ((Map<?, ?>) m.get("plan")).get("backupId"));
    assertEquals(r.rtoSeconds(), ((Number) m.get("rtoSeconds")).doubleValue());
    assertEquals(List.of("restore.succeeded"), notify.events());
  }

  @Test
  void aRefusedPlanProvisionsNothing() {
    restore.planFailure = FakeRestoreActivities.nonRetryable(
        "WAL segment 000000010000000000000004 is missing from the archive of orders", "RestorePlanRefused");

    ApplicationFailure f = failure(request(false));

    assertTrue(f.getOriginalMessage().contains("failed in PLAN: WAL segment 000000010000000000000004 is missing"),
        f.getOriginalMessage());
    assertEquals(List.of("plan"), restore.calls, "nothing provisioned, nothing to tear down");
    assertEquals(List.of("restore.requested", "restore.failed"), evidence.actions());
    assertEquals(List.of("restore.failed"), notify.events());
  }

  @Test
  void aDryRunReportsThePlanAndProvisionsNothing() {
    RestoreResult r = stub("restore/orders").run(RunbookInput.of(request(RecoveryTarget.latest(), false, true, RestoreMode.ISOLATED)));

    assertTrue(r.dryRun());
    assertEquals("000000010000000000000002", r.plan().walFirstSegment());
    assertEquals(20_000_000 + (64L << 20), r.plan().bytesToMove());
    assertNull(r.environment());
    assertNull(r.manifest());
    assertEquals(List.of("plan"), restore.calls);
    assertEquals(List.of("restore.requested", "restore.planned", "restore.dry-run"), evidence.actions());
  }

  @Test
  void backupsThePlanPassedOverAreInTheResultAndTheAuditTrail() {
    restore.skipped = List.of(new SkippedBackup("orders-20261121T100000Z-def456",
        "its manifest file:/evidence/orders/backups/orders-20261121T100000Z-def456/manifest.jws cannot be read (not a compact JWS)"));

    RestoreResult r = stub("restore/orders").run(RunbookInput.of(request(RecoveryTarget.latest(), false, true, RestoreMode.ISOLATED)));

    assertEquals(restore.skipped, r.plan().skipped());
    Map<String, String> planned = evidence.entries.stream().filter(e -> e.event().action().equals("restore.planned"))
        .findFirst().orElseThrow().event().metadata();
    assertEquals("orders-20261121T100000Z-def456: its manifest file:/evidence/orders/backups/orders-20261121T100000Z-def456"
        + "/manifest.jws cannot be read (not a compact JWS)", planned.get("skipped"));
  }

  @Test
  void aPlanWithoutSkippedBackupsSaysNothingAboutThem() {
    RestoreResult r = stub("restore/orders").run(RunbookInput.of(request(RecoveryTarget.latest(), false, true, RestoreMode.ISOLATED)));

    assertEquals(List.of(), r.plan().skipped());
    assertTrue(evidence.entries.stream().noneMatch(e -> e.event().metadata().containsKey("skipped")));
  }

  @Test
  void aFailedSmokeQueryTearsTheEnvironmentDown() {
    restore.smokeQueryFails = true;

    ApplicationFailure f = failure(request(false));

    assertTrue(f.getOriginalMessage().contains("failed in CHECK") && f.getOriginalMessage().contains("relation \"orders\" does not exist"),
        f.getOriginalMessage());
    assertEquals(List.of("plan", "provision", "restore", "recover", "check", "teardown"), restore.calls);
    assertTrue(restore.environments.isEmpty(), "nothing left behind");
    assertEquals(List.of("restore.requested", "restore.planned", "restore.provisioned", "restore.base-restored",
        "restore.recovered", "restore.checked", "restore.torn-down", "restore.failed"), evidence.actions());
    assertTrue(evidence.manifests.isEmpty(), "a failed restore seals no manifest");
  }

  @Test
  void keepOnFailureLeavesTheEnvironmentForInvestigation() {
    restore.recoverFailure = FakeRestoreActivities.nonRetryable(
        "FATAL:  recovery ended before configured recovery target was reached", "RecoveryFailed");

    ApplicationFailure f = failure(request(true));

    assertTrue(f.getOriginalMessage().contains("failed in RECOVER"), f.getOriginalMessage());
    assertEquals(List.of("plan", "provision", "restore", "recover"), restore.calls, "no teardown");
    assertEquals(1, restore.environments.size());
    assertTrue(evidence.actions().contains("restore.environment-kept"), evidence.actions().toString());
    assertTrue(notify.sent.get(0).details().get("environmentLeftBehind").contains("keepOnFailure"));
  }

  @Test
  void aRecoveryTimeInTheFutureIsRefused() {
    String tomorrow = Instant.ofEpochMilli(env.currentTimeMillis()).plusSeconds(86_400).toString();
    ApplicationFailure f = failure(request(RecoveryTarget.time(tomorrow), false, false, RestoreMode.ISOLATED));

    assertEquals("InvalidRequest", f.getType());
    assertTrue(f.getOriginalMessage().contains("is in the future"), f.getOriginalMessage());
    assertEquals(List.of(), restore.calls);
  }

  @Test
  void badRecoveryTargetsAreRefusedWithAnExample() {
    ApplicationFailure noZone = failure(request(RecoveryTarget.time("2026-11-21 10:40:59"), false, false, null));
    assertTrue(noZone.getOriginalMessage().contains("ISO-8601 time with a zone"), noZone.getOriginalMessage());
    ApplicationFailure lsn = failure(request(RecoveryTarget.lsn("16-B374D848"), false, false, null));
    assertTrue(lsn.getOriginalMessage().contains("16/B374D848"), lsn.getOriginalMessage());
    ApplicationFailure none = failure(request(null, false, false, null));
    assertTrue(none.getOriginalMessage().contains("field 'recoveryTarget' is required"), none.getOriginalMessage());
    assertEquals(List.of(), restore.calls);
  }

  @Test
  void anLsnBeyondAnyWalIsRefusedAtOnceNamingTheField() {
    ApplicationFailure f = failure(request(RecoveryTarget.lsn("FFFFFFFF/FFFFFFFF"), false, false, null));

    assertEquals("InvalidRequest", f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("'FFFFFFFF/FFFFFFFF' (recoveryTarget.value) is beyond any WAL")
        && f.getOriginalMessage().contains("7FFFFFFF/FFFFFFFF"), f.getOriginalMessage());
    assertEquals(List.of(), restore.calls, "refused before the plan activity");
  }

  @Test
  void theWorkflowIdIsTheLock() {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub("restore-orders-1").run(RunbookInput.of(request(false))));
    assertTrue(((ApplicationFailure) e.getCause()).getOriginalMessage().contains("'restore/orders'"));
  }
}
