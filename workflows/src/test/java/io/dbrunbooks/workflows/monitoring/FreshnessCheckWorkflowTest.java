package io.dbrunbooks.workflows.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The freshness check over hours of simulated checks: an alert fires once when its limit passes, stays
 * quiet while it stays open, and is resolved once when it clears.
 */
class FreshnessCheckWorkflowTest {
  private TestWorkflowEnvironment env;
  private FakeMonitoringActivities target;
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    target = new FakeMonitoringActivities();
    target.now = Instant.parse("2026-12-01T00:00:00Z");
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(FreshnessCheckWorkflowImpl.class);
    worker.registerActivitiesImplementations(target, evidence, notify);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private FreshnessResult check() {
    return env.getWorkflowClient().newWorkflowStub(FreshnessCheckWorkflow.class, WorkflowOptions.newBuilder()
            .setWorkflowId(FreshnessCheckWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build())
        .run(RunbookInput.of(new FreshnessRequest("orders", null)));
  }

  /**
   * What the schedule does: a check every 15 minutes for {@code duration}. Ages come from the
   * observing activity's clock, not from workflow time, so the fake's clock is what moves (the
   * test server's own skipping may jump years ahead while a check waits for its worker).
   */
  private void checkEvery15MinutesFor(Duration duration) {
    for (Duration passed = Duration.ZERO; passed.compareTo(duration) < 0; passed = passed.plusMinutes(15)) {
      target.now = target.now.plus(Duration.ofMinutes(15));
      check();
    }
  }

  @Test
  void aStaleBackupWarnsOnceAfterTheLimitAndIsResolvedOnceByANewBackup() {
    target.newestBackupId = "orders-1";
    target.newestBackupFinished = target.now;
    checkEvery15MinutesFor(Duration.ofHours(7).plusMinutes(45));
    assertTrue(notify.sent.isEmpty(), "inside the 8 h limit nothing is sent: " + notify.sent);

    checkEvery15MinutesFor(Duration.ofHours(4));
    assertEquals(List.of("alert.raised"), notify.events(), "crossing the limit raises once, the next 15 checks stay quiet");
    Notification raised = notify.sent.get(0);
    assertEquals("warning", raised.severity());
    assertEquals("backup-stale", raised.details().get("kind"));
    assertTrue(raised.summary().startsWith("[warning] backup-stale: the newest backup of orders (orders-1) is 8."), raised.summary());
    assertEquals(1, target.book.size());

    target.newestBackupId = "orders-2";
    target.newestBackupFinished = target.now;
    checkEvery15MinutesFor(Duration.ofHours(1));
    assertEquals(List.of("alert.raised", "alert.resolved"), notify.events());
    Notification resolved = notify.sent.get(1);
    assertEquals(raised.details().get("incident"), resolved.details().get("incident"), "the same incident is resolved");
    assertTrue(target.book.isEmpty());
    assertEquals(List.of("alert.raised", "alert.resolved"), evidence.actions(), "each change is an audit event");
  }

  @Test
  void aFailedBackupIsCriticalUntilALaterOneSucceedsAndAStoppedArchiverWarns() {
    target.newestBackupId = "orders-1";
    target.newestBackupFinished = target.now;
    target.lastAttempt = new BackupAttempt("orders-2", "failed", target.now.toString(),
        "could not connect to the server");
    target.archiverStreaming = false;
    checkEvery15MinutesFor(Duration.ofHours(1));
    assertEquals(2, notify.sent.size(), notify.events().toString());
    assertEquals(List.of("backup-failed:critical", "wal-archiver-down:warning"),
        notify.sent.stream().map(n -> n.details().get("kind") + ":" + n.severity()).sorted().toList());

    target.lastAttempt = new BackupAttempt("orders-3", "succeeded", target.now.toString(), null);
    target.archiverStreaming = null; // the source could not be read: the archiver's alert stays as it is
    check();
    assertEquals(List.of("alert.raised", "alert.raised", "alert.resolved"), notify.events());
    assertEquals("backup-failed", notify.sent.get(2).details().get("kind"));
    assertEquals(List.of(AlertKind.WAL_ARCHIVER_DOWN), target.book.stream().map(OpenAlert::kind).toList());

    target.archiverStreaming = true;
    check();
    assertEquals("wal-archiver-down", notify.sent.get(3).details().get("kind"));
    assertEquals("alert.resolved", notify.sent.get(3).event());
    assertTrue(target.book.isEmpty());
  }
}
