package io.dbrunbooks.workflows.walarchive;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The archiver loop with a fake archiving activity: continue-as-new, cancel, gaps, failures. */
class WalArchiveWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final FakeWalArchiveActivities wal = new FakeWalArchiveActivities();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  @BeforeEach
  void start() {
    // Real time: the blocking call heartbeats, and skipped time would look like a dead worker.
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(WalArchiveWorkflowImpl.class);
    worker.registerActivitiesImplementations(wal, evidence, notify);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private WorkflowExecution startArchiver(String workflowId) {
    WalArchiveWorkflow stub = client.newWorkflowStub(WalArchiveWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(TaskQueues.RUNBOOKS).build());
    return WorkflowClient.start(stub::run, RunbookInput.of(new WalArchiveInput("orders", "alice")));
  }

  private WalArchiveProgress progress() {
    return client.newWorkflowStub(WalArchiveWorkflow.class, "wal-archive/orders").progress();
  }

  private WorkflowFailedException cancelAndAwait() {
    // The SDK sends heartbeats at most every 0.8 x heartbeat timeout, so the cancel takes up to 16 s to arrive.
    WorkflowStub latest = client.newUntypedWorkflowStub("wal-archive/orders");
    latest.cancel();
    return assertThrows(WorkflowFailedException.class, () -> latest.getResult(60, TimeUnit.SECONDS, WalArchiveCheckpoint.class));
  }

  private List<AuditAppend> entries(String action) {
    return evidence.entries.stream().filter(e -> e.event().action().equals(action)).toList();
  }

  @Test
  void continuesAsNewWithItsCheckpointSoNothingIsCountedTwiceOrLost() throws Exception {
    int calls = WalArchiveWorkflowImpl.CALLS_PER_RUN + 7;
    wal.blockAt = calls + 1;
    WorkflowExecution first = startArchiver("wal-archive/orders");
    assertTrue(wal.blocking.await(60, TimeUnit.SECONDS), "the archiver never reached call " + wal.blockAt);

    WalArchiveProgress p = progress();
    assertEquals(calls, p.total().segmentsArchived(), "segments of both runs add up");
    assertEquals((long) calls << 24, p.total().bytesArchived());
    assertEquals(FakeWalArchiveActivities.lsnAfter(calls), p.total().archivedLsn());
    assertEquals(FakeWalArchiveActivities.segment(calls), p.total().lastSegment());
    assertEquals(7, p.runs(), "the second run counts its own calls");
    String latestRun = client.newUntypedWorkflowStub("wal-archive/orders").describe().getExecution().getRunId();
    assertNotEquals(first.getRunId(), latestRun, "the archiver continued as new");

    // The second run's audit chain starts from the first run's checkpoint.
    AuditAppend continued = entries("wal-archive.continued").get(0);
    assertEquals(1, continued.sequence());
    assertEquals("orders/wal-archive/" + latestRun, continued.chain());
    int perRun = WalArchiveWorkflowImpl.CALLS_PER_RUN;
    assertEquals(FakeWalArchiveActivities.lsnAfter(perRun), continued.event().metadata().get("archivedLsn"));
    assertEquals(String.valueOf(perRun), continued.event().metadata().get("segmentsArchived"));
    assertEquals(1, entries("wal-archive.started").size(), "started once, not once per run");
    cancelAndAwait();
  }

  @Test
  void theWebUiShowsCurrentDetailsFromTheFirstCallOn() throws Exception {
    wal.blockAt = 1; // the first call streams on: nothing has returned yet
    WorkflowExecution run = startArchiver("wal-archive/orders");
    assertTrue(wal.blocking.await(30, TimeUnit.SECONDS));

    String details = env.getWorkflowClient().newUntypedWorkflowStub(run.getWorkflowId())
        .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class).getCurrentDetails();
    assertTrue(details.startsWith("**WAL archive** of **orders**"), details);
    assertTrue(details.contains("**State**: archiving: streaming WAL over the replication slot into the archive"), details);
    assertTrue(details.contains("**Operator**: alice"), details);
    assertTrue(details.contains("**Running since**: "), details);
    cancelAndAwait();
  }

  @Test
  void cancelLetsTheRunningCallUploadWhatItHoldsAndRecordsTheStop() throws Exception {
    wal.blockAt = 3;
    startArchiver("wal-archive/orders");
    assertTrue(wal.blocking.await(30, TimeUnit.SECONDS));

    WorkflowFailedException e = cancelAndAwait();

    assertInstanceOf(CanceledFailure.class, e.getCause());
    assertTrue(wal.flushedOnCancel, "the running call learned of the cancel and ended itself");
    assertEquals(List.of("wal-archive.started", "wal-archive.stopped"), evidence.actions());
    assertEquals(FakeWalArchiveActivities.lsnAfter(2), entries("wal-archive.stopped").get(0).event().metadata().get("archivedLsn"));
    assertEquals("stopped", progress().state());
    assertTrue(notify.sent.isEmpty(), "a requested stop is not an incident");
  }

  @Test
  void aGapIsRecordedAndNotifiedAndArchivingGoesOn() throws Exception {
    wal.gapAt = 2;
    wal.blockAt = 4;
    startArchiver("wal-archive/orders");
    assertTrue(wal.blocking.await(30, TimeUnit.SECONDS));

    AuditAppend gap = entries("wal-archive.gap").get(0);
    assertTrue(gap.event().metadata().get("gaps").contains("000000010000000000000003"), gap.toString());
    assertEquals(List.of("wal-archive.gap"), notify.events());
    assertEquals(1, progress().total().gaps().size());
    cancelAndAwait();
  }

  @Test
  void aFailureNoRetryCanFixEndsTheArchiverRecordedAndNotified() {
    wal.failAt = 2;
    startArchiver("wal-archive/orders");
    WorkflowStub stub = client.newUntypedWorkflowStub("wal-archive/orders");

    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
        () -> stub.getResult(30, TimeUnit.SECONDS, WalArchiveCheckpoint.class));

    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("WalArchiveFailed", f.getType());
    assertTrue(f.getOriginalMessage().contains("belongs to another cluster"), f.getOriginalMessage());
    assertEquals(List.of("wal-archive.started", "wal-archive.failed"), evidence.actions());
    assertEquals(List.of("wal-archive.failed"), notify.events());
    assertEquals("failed", progress().state());
  }

  @Test
  void refusesAnyWorkflowIdButItsLock() {
    startArchiver("wal-archive-orders");
    WorkflowStub stub = client.newUntypedWorkflowStub("wal-archive-orders");

    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
        () -> stub.getResult(30, TimeUnit.SECONDS, WalArchiveCheckpoint.class));

    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("InvalidRequest", f.getType());
    assertTrue(f.getOriginalMessage().contains("'wal-archive/orders'"), f.getOriginalMessage());
    assertTrue(wal.requests.isEmpty());
  }
}
