package io.dbrunbooks.workflows.retention;

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
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The retention runbook's order of things: plan, record, delete, seal, notify; a dry run only plans. */
class RetentionWorkflowTest {
  private TestWorkflowEnvironment env;
  private final FakeRetention retention = new FakeRetention();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  static final RetentionPlan.Backup OLD = new RetentionPlan.Backup("orders-old", "physical", "2026-10-01T00:00:00Z", 100L,
      "ab", List.of("orders/orders-old/base.tar.zst.aes"), "older than the window");
  static final RetentionPlan.Backup NEW = new RetentionPlan.Backup("orders-new", "physical", "2026-11-20T00:00:00Z", 100L,
      "cd", List.of("orders/orders-new/base.tar.zst.aes"), "inside the 7-day recovery window");

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(RetentionWorkflowImpl.class);
    worker.registerActivitiesImplementations(retention, evidence, notify);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  RetentionWorkflow stub() {
    return env.getWorkflowClient().newWorkflowStub(RetentionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(RetentionWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  @Test
  void aDryRunPlansAndChangesNothing() {
    retention.plan = plan(List.of(OLD));
    RetentionResult result = stub().run(RunbookInput.of(new RetentionRequest("orders", true, "alice", "on-demand")));
    assertTrue(result.dryRun());
    assertEquals(List.of("orders-old"), result.plan().expire().stream().map(RetentionPlan.Backup::backupId).toList());
    assertEquals(List.of("plan"), retention.calls);
    assertTrue(evidence.entries.isEmpty() && evidence.manifests.isEmpty() && notify.sent.isEmpty());
  }

  @Test
  void aRunRecordsThePlanBeforeDeletingAndSealsWhatWent() {
    retention.plan = plan(List.of(OLD));
    RetentionResult result = stub().run(RunbookInput.of(new RetentionRequest("orders", false, "alice", "on-demand")));
    assertEquals(List.of("plan", "apply"), retention.calls);
    assertEquals(List.of("retention.planned", "retention.applied"), evidence.actions());
    assertEquals("orders-old", evidence.entries.get(0).event().metadata().get("expire"), "the audit names what is about to go");
    assertEquals(1, evidence.manifests.size());
    Map<String, Object> manifest = evidence.manifests.values().iterator().next();
    assertEquals("db-runbooks/retention-manifest/v1", manifest.get("schema"));
    assertEquals(List.of("retention.applied"), notify.events());
    assertEquals(List.of("orders-old"), result.outcome().expiredBackups());
    assertTrue(result.manifestLocation() != null);
  }

  @Test
  void nothingToExpireLeavesNoTrace() {
    retention.plan = plan(List.of());
    RetentionResult result = stub().run(RunbookInput.of(new RetentionRequest("orders", false, "backup/orders", "after backup orders-new")));
    assertEquals(List.of("plan"), retention.calls);
    assertNull(result.manifestLocation());
    assertTrue(evidence.entries.isEmpty() && notify.sent.isEmpty());
  }

  @Test
  void aFailedDeletionIsAuditedAndReported() {
    retention.plan = plan(List.of(OLD));
    retention.applyFailure = ApplicationFailure.newNonRetryableFailure("store refused", "StoreUnwritable");
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
        () -> stub().run(RunbookInput.of(new RetentionRequest("orders", false, "alice", "on-demand"))));
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertEquals("RetentionFailed", f.getType());
    assertEquals("retention of orders failed: store refused", f.getOriginalMessage());
    assertEquals(List.of("retention.planned", "retention.failed"), evidence.actions());
    assertEquals(List.of("retention.failed"), notify.events());
  }

  @Test
  void aPlanThatCannotBeMadeSaysWhy() {
    retention.planFailure = ApplicationFailure.newNonRetryableFailure("unknown target 'orders': the targets file names billing",
        "UnknownTarget");
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
        () -> stub().run(RunbookInput.of(new RetentionRequest("orders", false, "alice", "on-demand"))));
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertEquals("retention of orders could not be planned: unknown target 'orders': the targets file names billing",
        f.getOriginalMessage());
    assertEquals(List.of("plan"), retention.calls);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aPlanWithClassesRecordsTheirPeriodsAndTheWalKeptForThemInTheAuditAndTheManifest() {
    RetentionPlan.WalExpiry wal = new RetentionPlan.WalExpiry("000000010000000000000030", "orders-new", 27, 0,
        "000000010000000000000001", "00000001000000000000002F", List.of(new RetentionPlan.WalRange(
            "00000001000000000000000A", "00000001000000000000000B", "orders-weekly")));
    retention.plan = new RetentionPlan("orders", 7, 1, "2026-11-21T12:00:00Z", "2026-11-14T12:00:00Z", List.of(NEW),
        List.of(OLD), wal, List.of(), Map.of("weekly", 365));
    stub().run(RunbookInput.of(new RetentionRequest("orders", false, "alice", "on-demand")));
    assertEquals("00000001000000000000000A..00000001000000000000000B for orders-weekly",
        evidence.entries.get(0).event().metadata().get("walKeptBelow"));
    Map<String, Object> manifest = evidence.manifests.values().iterator().next();
    assertEquals(Map.of("weekly", 365), ((Map<String, Object>) manifest.get("policy")).get("classKeepDays"));
  }

  @Test
  void theWorkflowIdIsTheTargetsLock() {
    RetentionWorkflow other = env.getWorkflowClient().newWorkflowStub(RetentionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("retention/other").setTaskQueue(TaskQueues.RUNBOOKS).build());
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
        () -> other.run(RunbookInput.of(new RetentionRequest("orders", false, "alice", "on-demand"))));
    assertTrue(((ApplicationFailure) e.getCause()).getOriginalMessage().contains("workflow id 'retention/orders'"));
    assertTrue(retention.calls.isEmpty());
  }

  @Test
  void aBadTargetNameIsRefusedBeforeAnyActivity() {
    assertThrows(WorkflowFailedException.class, () -> stub().run(RunbookInput.of(new RetentionRequest("../etc", false, "alice", "on-demand"))));
    assertTrue(retention.calls.isEmpty());
  }

  private static RetentionPlan plan(List<RetentionPlan.Backup> expire) {
    return new RetentionPlan("orders", 7, 1, "2026-11-21T12:00:00Z", "2026-11-14T12:00:00Z", List.of(NEW), expire, null, List.of());
  }

  static class FakeRetention implements RetentionActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile RetentionPlan plan;
    volatile RuntimeException applyFailure;
    volatile RuntimeException planFailure;

    @Override
    public RetentionPlan plan(RetentionRequest request) {
      calls.add("plan");
      if (planFailure != null) {
        throw planFailure;
      }
      return plan;
    }

    @Override
    public RetentionOutcome apply(RetentionPlan p) {
      calls.add("apply");
      if (applyFailure != null) {
        throw applyFailure;
      }
      return new RetentionOutcome(p.expire().stream().map(RetentionPlan.Backup::backupId).toList(),
          p.expire().stream().flatMap(b -> b.artifactKeys().stream()).toList(), 0, 0);
    }
  }
}
