package io.dbrunbooks.workflows.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.DynamicWorkflow;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduled start's own logic, with a fake runbook as the child: it starts the runbook under
 * its lock id with the schedule's input, waits for it, and skips (successfully, on the record) when
 * the lock is held.
 */
class ScheduledRunWorkflowTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every run of a fake runbook: its workflow id and the input it got. */
  static final List<String> runs = new CopyOnWriteArrayList<>();
  static final Map<String, JsonNode> inputs = new ConcurrentHashMap<>();

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeLocks locks = new FakeLocks();

  /** Any runbook type: sleeps for the duration its input names (default none), then returns or fails. */
  public static class FakeRunbook implements DynamicWorkflow {
    @Override
    public Object execute(EncodedValues args) {
      JsonNode in = args.get(0, JsonNode.class);
      String id = Workflow.getInfo().getWorkflowId();
      runs.add(id);
      inputs.put(id, in);
      Workflow.sleep(Duration.ofMinutes(in.path("sleepMinutes").asLong(0)));
      if (in.path("fail").asBoolean()) {
        throw ApplicationFailure.newNonRetryableFailure("backup of orders failed in BACKUP: disk full", "BackupFailed");
      }
      return JSON.createObjectNode().put("backupId", "orders-20261202T020000Z-abcdef");
    }
  }

  /** Answers with the run the test started by hand. */
  static class FakeLocks implements RunbookLockActivities {
    volatile LockHolder holder;

    @Override
    public LockHolder holder(String workflowId) {
      return holder != null && holder.workflowId().equals(workflowId) ? holder : null;
    }
  }

  @BeforeEach
  void start() {
    runs.clear();
    inputs.clear();
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(ScheduledRunWorkflowImpl.class, FakeRunbook.class);
    worker.registerActivitiesImplementations(evidence, locks);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private ScheduledRunWorkflow scheduled(String id) {
    return client.newWorkflowStub(ScheduledRunWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  private static RunbookInput<ScheduledRunRequest> request(String schedule, ScheduledRunbook runbook, String input) throws Exception {
    return RunbookInput.of(new ScheduledRunRequest(schedule, "orders", runbook, input == null ? null : JSON.readTree(input)));
  }

  @Test
  void startsTheRunbookUnderItsLockIdWithTheScheduleAsOperatorAndWaitsForIt() throws Exception {
    ScheduledRunResult r = scheduled("scheduled/orders-daily-2026-12-02T02:00:00Z")
        .run(request("orders-daily", ScheduledRunbook.BACKUP, "{\"method\": \"logical\", \"sleepMinutes\": 30}"));

    assertEquals(ScheduledRunResult.COMPLETED, r.outcome(), r.message());
    assertEquals("backup/orders", r.runbookWorkflowId());
    assertEquals(List.of("backup/orders"), runs);
    assertEquals(JSON.readTree("{\"method\": \"logical\", \"sleepMinutes\": 30, \"target\": \"orders\", \"operator\": \"schedule:orders-daily\"}"),
        inputs.get("backup/orders"), "the schedule's input plus target and operator");
    assertEquals("orders-20261202T020000Z-abcdef", r.runbookResult().get("backupId").asText());
    assertEquals(List.of("schedule.started", "schedule.completed"), evidence.actions());
    AuditAppend first = evidence.entries.get(0);
    assertTrue(first.chain().startsWith("orders/schedules/orders-daily/orders-"), first.chain());
    assertEquals(r.runbookRunId(), first.event().metadata().get("runId"));
    assertEquals("schedule:orders-daily", first.event().user());
  }

  @Test
  void aRunbookAlreadyRunningOnTheTargetIsNotStartedAgainAndTheSkipIsRecorded() throws Exception {
    // Alice's manual backup holds backup/orders for an hour.
    WorkflowStub manual = client.newUntypedWorkflowStub("BackupWorkflow",
        WorkflowOptions.newBuilder().setWorkflowId("backup/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
    WorkflowExecution alice = manual.start(JSON.readTree("{\"target\": \"orders\", \"operator\": \"alice\", \"sleepMinutes\": 60}"));
    locks.holder = new LockHolder("backup/orders", alice.getRunId(), "BackupWorkflow", "2026-12-02T01:59:00Z", "alice");

    ScheduledRunResult r = scheduled("scheduled/orders-6h-2026-12-02T02:00:00Z")
        .run(request("orders-6h", ScheduledRunbook.BACKUP, null));

    assertEquals(ScheduledRunResult.SKIPPED, r.outcome());
    assertEquals(alice.getRunId(), r.runbookRunId());
    assertEquals("skipped: already running " + alice.getRunId() + " (BackupWorkflow, started 2026-12-02T01:59:00Z by alice)", r.message());
    assertTrue(r.runbookResult() == null || r.runbookResult().isNull(), "a skipped start has no runbook result");
    assertEquals(List.of("backup/orders"), runs, "only Alice's backup ran");
    assertEquals(List.of("schedule.skipped"), evidence.actions());
    Map<String, String> meta = evidence.entries.get(0).event().metadata();
    assertEquals(alice.getRunId(), meta.get("heldBy"));
    assertEquals("alice", meta.get("holderOperator"));
    assertEquals("skipped", evidence.entries.get(0).event().status());

    // Her backup is untouched and ends as it would have.
    assertEquals("orders-20261202T020000Z-abcdef", manual.getResult(JsonNode.class).get("backupId").asText());
  }

  @Test
  void twoScheduledStartsOfOneTargetRunOneRunbookTheOtherIsSkipped() throws Exception {
    WorkflowClient.start(scheduled("scheduled/orders-daily-1")::run,
        request("orders-daily", ScheduledRunbook.BACKUP, "{\"sleepMinutes\": 60}"));
    // The first run's child holds the lock once it has started.
    WorkflowStub first = client.newUntypedWorkflowStub("scheduled/orders-daily-1");
    while (!runs.contains("backup/orders")) {
      Thread.sleep(20);
    }
    ScheduledRunResult second = scheduled("scheduled/orders-weekly-1").run(request("orders-weekly", ScheduledRunbook.BACKUP, null));
    assertEquals(ScheduledRunResult.SKIPPED, second.outcome(), second.message());
    // No holder is known to the fake lookup here: the message says the lock was taken all the same.
    assertEquals("skipped: already running backup/orders (it has ended since)", second.message());
    assertEquals(ScheduledRunResult.COMPLETED, first.getResult(ScheduledRunResult.class).outcome());
    assertEquals(List.of("backup/orders"), runs, "one backup in all");
  }

  @Test
  void aFailedRunbookFailsTheScheduledRunSoTheScheduleShowsIt() throws Exception {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> scheduled("scheduled/orders-retention-1")
        .run(request("orders-retention", ScheduledRunbook.RETENTION, "{\"fail\": true}")));
    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("ScheduledRunFailed", f.getType());
    assertEquals("scheduled retention of orders failed: backup of orders failed in BACKUP: disk full", f.getOriginalMessage());
    assertEquals(List.of("retention/orders"), runs, "the retention runbook runs under its own lock id");
    assertEquals(List.of("schedule.started", "schedule.failed"), evidence.actions());
  }
}
