package io.dbrunbooks.workflows.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.FakeRestoreActivities;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreDataRequest;
import io.dbrunbooks.workflows.restore.RestoredData;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The drill's logic with fake activities and the real restore workflow as its child. */
class RestoreDrillWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final GatedRestoreActivities restore = new GatedRestoreActivities();
  private final FakeDrillActivities drill = new FakeDrillActivities();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  /** The fake restore, which can hold the unpack until the test lets it go. */
  static class GatedRestoreActivities extends FakeRestoreActivities {
    volatile CountDownLatch entered;
    volatile CountDownLatch release;

    @Override
    public RestoredData restoreBaseBackup(RestoreDataRequest r) {
      if (entered != null) {
        entered.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.restoreBaseBackup(r);
    }
  }

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(RestoreDrillWorkflowImpl.class, PointInTimeRestoreWorkflowImpl.class);
    worker.registerActivitiesImplementations(restore, drill, evidence, notify);
    env.newWorker(TaskQueues.Heavy.RESTORE.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(restore);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private RestoreDrillWorkflow stub() {
    return client.newWorkflowStub(RestoreDrillWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("drill/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  private static DrillRequest request(SmokeCommand command) {
    return new DrillRequest("orders", DrillScenario.RANSOMWARE, null, null, null,
        List.of(new SmokeQuery("orders", null, "SELECT count(*) FROM orders")), command, "scheduler", "DR-2026-11");
  }

  private ApplicationFailure failure(DrillRequest request) {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub().run(RunbookInput.of(request)));
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  @Test
  void aGoodDrillRestoresToTheArchiveAtTheLossMeasuresRtoAndRpoPassesAndTearsTheCopyDown() {
    DrillResult r = stub().run(RunbookInput.of(request(new SmokeCommand(List.of("/usr/local/bin/dr-smoke", "--quick"), 30))));

    assertTrue(r.passed(), r.failures().toString());
    assertEquals("ransomware", r.scenario());
    assertEquals("orders-20261121T090000Z-abc123", r.backupId());
    assertEquals(RecoveryTarget.lsn("0/5A00100"), r.recoveryTarget(), "the archive's end at the loss, not the end at restore time");
    assertEquals(List.of("plan", "provision", "restore", "recover", "check", "teardown"), restore.calls);
    assertEquals(r.drillId(), r.restoreId(), "the copy carries the drill's id, known before the restore started");
    assertEquals(java.util.Set.of(), restore.environments, "the copy the isolated restore leaves running is torn down");
    assertEquals("removed", r.cleanup().outcome());
    // Loss 10:41:00.412 at 0/5A00200; the copy's last commit 10:40:58.912, its replay ended at 0/5A00128.
    assertEquals(1.5, r.rpo().seconds(), 1e-9);
    assertEquals(0xD8, r.rpo().bytes());
    assertTrue(r.rtoSeconds() >= 0);
    assertEquals(54321, drill.smokeRequest.environment().port(), "the smoke command points at the copy");
    Map<String, Object> m = evidence.manifests.get("orders/drills/" + r.drillId() + "/manifest");
    assertEquals("passed", m.get("outcome"));
    assertEquals("ransomware", m.get("scenario"));
    assertEquals(1.5, ((Number) ((Map<?, ?>) m.get("rpo")).get("seconds")).doubleValue(), 1e-9);
    assertEquals("removed", ((Map<?, ?>) m.get("cleanup")).get("outcome"));
    assertEquals("orders-20261121T090000Z-abc123", ((Map<?, ?>) m.get("selection")).get("backupId"));
    assertEquals(List.of("restore.succeeded", "drill.passed"), notify.events());
    assertEquals(Notification.INFO, notify.sent.get(1).severity());
    assertTrue(evidence.actions().containsAll(List.of("drill.requested", "drill.loss-marked", "drill.selected", "drill.restored",
        "drill.smoke-command", "drill.torn-down", "drill.sealed", "drill.completed")), evidence.actions().toString());
  }

  @Test
  void anArchiveThatDoesNotReachTheLossMarkerIsRecordedAndTheRestoreGoesToItsEnd() {
    drill.archiveEnd = "0/5A00100"; // the archive's end at the loss, never past the marker at 0/5A00180

    DrillResult r = stub().run(RunbookInput.of(request(null)));

    assertEquals(RecoveryTarget.latest(), r.recoveryTarget());
    assertEquals(RestoreDrillWorkflowImpl.MARKER_WAIT_POLLS, drill.calls.stream().filter("archivedEnd"::equals).count());
    assertTrue(evidence.actions().contains("drill.archive-stalled"), evidence.actions().toString());
    assertTrue(r.passed(), r.failures().toString());
  }

  @Test
  void anRpoOverTheObjectiveFailsTheDrillWithAWarningButStillCleansUp() {
    drill.objectives = new DrillObjectives("production", 4 * 3600, 1, "targets.orders.drill");

    DrillResult r = stub().run(RunbookInput.of(request(null)));

    assertFalse(r.passed());
    assertEquals(List.of("RPO 1.500 s is over the objective of 1 s"), r.failures());
    assertEquals("drill.missed-objectives", notify.sent.get(1).event());
    assertEquals(Notification.WARNING, notify.sent.get(1).severity());
    assertEquals(java.util.Set.of(), restore.environments);
    assertEquals("missed-objectives", evidence.manifests.get("orders/drills/" + r.drillId() + "/manifest").get("outcome"));
  }

  @Test
  void aBadBackupFailsTheDrillLoudlyWithACriticalAlert() {
    restore.planFailure = FakeRestoreActivities.nonRetryable("provenance of backup orders-20261121T090000Z-abc123 does not hold:"
        + " sha256 is 00ff but the manifest says aaaa", "RestorePlanRefused");

    ApplicationFailure f = failure(request(null));

    assertEquals("DrillFailed", f.getType());
    assertTrue(f.getOriginalMessage().contains("failed in RESTORE: restore of orders failed in PLAN: provenance of backup"),
        f.getOriginalMessage());
    Notification alert = notify.sent.get(notify.sent.size() - 1);
    assertEquals("drill.failed", alert.event());
    assertEquals(Notification.CRITICAL, alert.severity());
    assertTrue(alert.summary().contains("provenance of backup"), alert.summary());
    Map<String, Object> m = evidence.manifests.values().iterator().next();
    assertEquals("failed", m.get("outcome"));
    assertEquals("nothing-to-remove", ((Map<?, ?>) m.get("cleanup")).get("outcome"));
  }

  @Test
  void aFailingSmokeCommandFailsTheDrillAndTheCopyIsStillTornDown() {
    drill.smokeExit = 3;

    ApplicationFailure f = failure(request(new SmokeCommand(List.of("/usr/local/bin/dr-smoke"), null)));

    assertTrue(f.getOriginalMessage().contains("exited 3: FAIL: table orders is empty"), f.getOriginalMessage());
    assertTrue(f.getOriginalMessage().endsWith("copy: removed"), f.getOriginalMessage());
    assertEquals(java.util.Set.of(), restore.environments);
    assertEquals(Notification.CRITICAL, notify.sent.get(notify.sent.size() - 1).severity());
  }

  private static boolean cancellationHandled(List<io.temporal.api.history.v1.HistoryEvent> events) {
    long requested = events.stream().filter(ev -> ev.getEventType()
        == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED).mapToLong(ev -> ev.getEventId())
        .findFirst().orElse(Long.MAX_VALUE);
    return events.stream().anyMatch(ev -> ev.getEventId() > requested
        && ev.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  }

  @Test
  void aCanceledDrillCancelsItsRestoreAndNothingIsLeftBehind() throws Exception {
    restore.entered = new CountDownLatch(1);
    restore.release = new CountDownLatch(1);
    WorkflowClient.start(stub()::run, RunbookInput.of(request(null)));
    assertTrue(restore.entered.await(20, TimeUnit.SECONDS), "the restore is unpacking");
    assertEquals(1, restore.environments.size(), "provisioned");

    WorkflowStub drillRun = client.newUntypedWorkflowStub("drill/orders");
    drillRun.cancel();
    // The unpack ends only once the restore has handled its cancellation (the workflow task after the
    // request completed): it then compensates instead of recovering. Releasing it while that task is
    // in flight made the test server lose the task now and then.
    long until = System.nanoTime() + 20_000_000_000L;
    while (!cancellationHandled(client.fetchHistory("restore/orders").getEvents()) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    restore.release.countDown();

    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> {
      try {
        drillRun.getResult(30, TimeUnit.SECONDS, DrillResult.class);
      } catch (java.util.concurrent.TimeoutException t) {
        System.out.println(client.fetchHistory("drill/orders").toJson(true));
        System.out.println(client.fetchHistory("restore/orders").toJson(true));
        throw new AssertionError("the canceled drill did not end", t);
      }
    });
    assertInstanceOf(CanceledFailure.class, e.getCause());
    assertEquals(java.util.Set.of(), restore.environments, "the restore tore its copy down; the drill's teardown found nothing");
    Map<String, Object> m = evidence.manifests.values().iterator().next();
    assertEquals("canceled", m.get("outcome"));
    assertTrue(evidence.actions().contains("drill.torn-down"), evidence.actions().toString());
    assertEquals(Notification.WARNING, notify.sent.get(notify.sent.size() - 1).severity());
  }

  @Test
  void randomSelectionPicksOnlyBackupsInsideTheWindowAndRandomRecoveryStaysInsideTheArchive() {
    long now = Instant.parse("2026-11-30T12:00:00Z").toEpochMilli();
    List<BackupCandidate> backups = List.of(
        new BackupCandidate("b-new", "2026-11-29T12:00:00Z", "2026-11-29T11:59:00Z", "0/9000000", 1),
        new BackupCandidate("b-mid", "2026-11-25T12:00:00Z", "2026-11-25T11:59:00Z", "0/5000000", 1),
        new BackupCandidate("b-old", "2026-11-01T12:00:00Z", "2026-11-01T11:59:00Z", "0/1000000", 1));
    Random random = new Random(7);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      seen.add(DrillSelection.backup(backups, BackupSelection.RANDOM, 7, now, random).backupId());
    }
    assertEquals(java.util.Set.of("b-new", "b-mid"), seen);
    assertEquals("b-new", DrillSelection.backup(backups, BackupSelection.NEWEST, 7, now, random).backupId());
    assertNull(DrillSelection.backup(backups, BackupSelection.RANDOM, 1, Instant.parse("2026-12-30T00:00:00Z").toEpochMilli(), random));

    LossMoment loss = new LossMoment("2026-11-30T12:00:00Z", "0/C000000", 1, "0/B000000", "0/C000100", null);
    for (int i = 0; i < 200; i++) {
      long at = RecoveryPointGap.lsn(DrillSelection.recoveryTarget(DrillRecovery.RANDOM, loss, backups.get(1), random, true).value());
      assertTrue(at >= 0x5000000L && at < 0xB000000L, Long.toHexString(at));
    }
    assertEquals(RecoveryTarget.lsn("0/B000000"), DrillSelection.recoveryTarget(DrillRecovery.LATEST, loss, backups.get(0), random,
        true));
    assertEquals(RecoveryTarget.latest(), DrillSelection.recoveryTarget(DrillRecovery.LATEST, loss, backups.get(0), random, false));
  }

  @Test
  void aCopyThatReplayedEverythingBeforeTheLossLostNothing() {
    LossMoment loss = new LossMoment("2026-11-21T12:00:00Z", "0/5A00100", 1, "0/5A00100", "0/5A00180", null);
    RecoveryPointGap gap = RecoveryPointGap.measure(loss,
        new io.dbrunbooks.workflows.restore.RecoveredPoint("0/5A00180", "2026-11-21T10:00:00Z", 1, null));
    assertEquals(0.0, gap.seconds(), "an idle source for two hours loses nothing");
    assertEquals(0, gap.bytes());
  }
}
