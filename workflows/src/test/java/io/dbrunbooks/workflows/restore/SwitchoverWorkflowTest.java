package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mode promote with fake steps and time skipping: approval, switch, bake, rollback, blue's fate, every way out. */
class SwitchoverWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final FakeRestoreActivities restore = new FakeRestoreActivities();
  private final FakeSwitchoverActivities pgbouncer = new FakeSwitchoverActivities();
  private final FakeEvidenceActivities evidence = new FakeEvidenceActivities();
  private final FakeNotifyActivities notify = new FakeNotifyActivities();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(PointInTimeRestoreWorkflowImpl.class, BlueDecommissionWorkflowImpl.class);
    worker.registerActivitiesImplementations(restore, pgbouncer, evidence, notify);
    env.newWorker(TaskQueues.Heavy.RESTORE.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(restore);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private PointInTimeRestoreWorkflow restoreStub() {
    return client.newWorkflowStub(PointInTimeRestoreWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("restore/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
  }

  private PointInTimeRestoreWorkflow running() {
    return client.newWorkflowStub(PointInTimeRestoreWorkflow.class, "restore/orders");
  }

  private RestoreRequest promote(boolean keepOnFailure) {
    return new RestoreRequest("orders", RecoveryTarget.time(Instant.ofEpochMilli(env.currentTimeMillis()).minusSeconds(3600).toString()),
        null, RestoreMode.PROMOTE, List.of(), keepOnFailure, false, "alice", "INC-77");
  }

  /** Starts a promote restore and waits until its progress satisfies {@code until}. */
  private PointInTimeRestoreWorkflow startAndAwait(RestoreRequest request, Predicate<RestoreProgress> until) {
    WorkflowClient.start(restoreStub()::run, RunbookInput.of(request));
    return awaitProgress(until);
  }

  private PointInTimeRestoreWorkflow awaitProgress(Predicate<RestoreProgress> until) {
    PointInTimeRestoreWorkflow wf = running();
    long deadline = System.currentTimeMillis() + 20_000;
    RestoreProgress p = wf.progress();
    while (!until.test(p)) {
      assertTrue(System.currentTimeMillis() < deadline, "progress never got there; last: " + p);
      sleep(20);
      p = wf.progress();
    }
    return wf;
  }

  private static Predicate<RestoreProgress> phase(RestorePhase phase) {
    return p -> p.phase() == phase;
  }

  private RestoreResult result() {
    return WorkflowStub.fromTyped(running()).getResult(RestoreResult.class);
  }

  private ApplicationFailure failure() {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, this::result);
    return (ApplicationFailure) e.getCause();
  }

  /** The sentence a refused update reaches its caller with, and nothing under it (see {@link #rawRefusal} for the stack trace). */
  private static String rejection(Runnable update) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, update::run);
    ApplicationFailure af = assertInstanceOf(ApplicationFailure.class, e.getCause(), "the refusal: " + e.getCause());
    assertEquals(null, af.getCause(), "the sentence alone");
    return af.getOriginalMessage();
  }

  /**
   * The refusal exactly as the server hands it to any client (the Web UI, the temporal CLI): the
   * Failure proto. The Java client's exception cannot show it: without a stack trace in the failure,
   * it keeps the one of its own making.
   */
  private io.temporal.api.failure.v1.Failure rawRefusal(String workflowId, String update, Approval approval) {
    io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse r = env.getWorkflowServiceStubs().blockingStub()
        .updateWorkflowExecution(io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest.newBuilder()
            .setNamespace(env.getNamespace())
            .setWorkflowExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .setWaitPolicy(io.temporal.api.update.v1.WaitPolicy.newBuilder().setLifecycleStage(
                io.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED))
            .setRequest(io.temporal.api.update.v1.Request.newBuilder()
                .setMeta(io.temporal.api.update.v1.Meta.newBuilder().setUpdateId(java.util.UUID.randomUUID().toString()))
                .setInput(io.temporal.api.update.v1.Input.newBuilder().setName(update)
                    .setArgs(io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.toPayloads(approval).orElseThrow())))
            .build());
    assertTrue(r.getOutcome().hasFailure(), "refused: " + r);
    return r.getOutcome().getFailure();
  }

  @Test
  void aRefusedApprovalReachesEveryClientAsTheSentenceAlone() {
    startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    io.temporal.api.failure.v1.Failure f = rawRefusal("restore/orders", "approve", new Approval("mallory", null));
    assertTrue(f.getMessage().startsWith("mallory is not on the approver list for the switch of the traffic of orders to restore "),
        f.getMessage());
    assertEquals("", f.getStackTrace(), "no Java stack trace under the sentence");
    assertFalse(f.hasCause(), f.toString());
  }

  @Test
  void approvedRestoreTakesTheTrafficBakesStopsBlueAndHandsItToItsDecommission() {
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    RestoreProgress waiting = wf.progress();
    assertEquals(List.of("bob", "carol"), waiting.switchover().approvers());
    assertNotNull(waiting.switchover().approvalDeadline());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt, "nothing moves before the approval");
    for (int i = 0; i < 1000 && notify.events().isEmpty(); i++) {
      sleep(20); // the phase is set just before the notification goes out
    }
    assertEquals(List.of("restore.awaiting-approval"), notify.events());
    assertTrue(notify.sent.get(0).summary().contains("runbooks restore approve --target orders"), notify.sent.get(0).summary());

    assertTrue(rejection(() -> wf.approve(new Approval("alice", "lgtm"))).contains("alice started this restore"));
    assertTrue(rejection(() -> wf.approve(new Approval("Alice ", null))).contains("started this restore"),
        "the initiator check ignores case and spaces");
    String notOnTheList = rejection(() -> wf.approve(new Approval("mallory", null)));
    assertTrue(notOnTheList.startsWith("mallory is not on the approver list for the switch of the traffic of orders to restore "),
        notOnTheList);
    assertTrue(rejection(() -> wf.approve(new Approval(" ", null))).contains("needs an approver"));
    assertEquals(List.of(), wf.progress().switchover().approvals(), "rejected approvals leave no trace in the run");

    ApprovalRecord accepted = wf.approve(new Approval("bob", "checked the row counts"));
    assertEquals("bob", accepted.approver());
    assertTrue(rejection(() -> wf.approve(new Approval("carol", null))).contains("already approved by bob"));

    RestoreResult r = result();

    SwitchoverReport s = r.switchover();
    assertEquals(SwitchoverOutcome.PROMOTED, s.outcome());
    assertEquals(List.of("policy", "guardrails", "switch-to-green", "health", "watch", "health", "stop-blue"), pgbouncer.calls,
        "a last health check of green right before blue is stopped");
    assertEquals(new BackendRef("127.0.0.1", 54321, "orders"), pgbouncer.pointsAt, "PgBouncer sends the alias to green");
    assertFalse(pgbouncer.blueRunning);
    assertFalse(pgbouncer.blueRemoved, "blue is kept");
    assertEquals(List.of("plan", "provision", "restore", "recover", "check"), restore.calls, "green is not torn down");
    assertEquals(FakeSwitchoverActivities.BLUE, s.toGreen().from());
    assertEquals("decommission/" + r.restoreId(), s.decommissionWorkflowId());
    assertEquals(List.of("bob"), s.approvals().stream().map(ApprovalRecord::approver).toList());
    assertEquals(List.of("restore.awaiting-approval", "switchover.switched", "switchover.promoted"), notify.events());
    List<String> actions = evidence.actions();
    assertTrue(actions.containsAll(List.of("restore.sealed", "switchover.policy", "switchover.approved",
        "switchover.guardrails", "switchover.switched", "switchover.health-checked", "switchover.baked",
        "switchover.blue-stopped", "switchover.sealed", "restore.completed")), actions.toString());
    assertTrue(actions.indexOf("switchover.approved") < actions.indexOf("switchover.switched"));
    Map<String, Object> m = evidence.manifests.get("orders/restores/" + r.restoreId() + "/switchover-manifest");
    assertEquals("promoted", m.get("outcome"));
    assertNotNull(m.get("trafficOnGreenAt"));

    // Blue's decommission: the initiator may not approve; an approver's approval waits out the keep period.
    BlueDecommissionWorkflow decommission = client.newWorkflowStub(BlueDecommissionWorkflow.class, s.decommissionWorkflowId());
    assertEquals(DecommissionPhase.KEPT, decommission.progress().phase());
    assertTrue(rejection(() -> decommission.approveDecommission(new Approval("alice", null))).contains("started this restore"));
    io.temporal.api.failure.v1.Failure raw = rawRefusal(s.decommissionWorkflowId(), "approve-decommission", new Approval("alice", null));
    assertEquals("", raw.getStackTrace(), "no Java stack trace under: " + raw.getMessage());
    decommission.approveDecommission(new Approval("carol", "a week is enough"));
    env.sleep(Duration.ofDays(6));
    assertFalse(pgbouncer.blueRemoved, "not before the keep period has passed");
    DecommissionResult d = WorkflowStub.fromTyped(decommission).getResult(DecommissionResult.class);
    assertEquals(List.of(FakeSwitchoverActivities.BLUE_SERVER.dataDirectory()), d.removed());
    assertTrue(pgbouncer.blueRemoved);
    assertTrue(Instant.parse(d.removedAt()).isAfter(Instant.parse(s.keepBlueUntil()).minusMillis(1)));
    assertTrue(evidence.actions().containsAll(List.of("decommission.kept", "decommission.approved", "decommission.removed")),
        evidence.actions().toString());
  }

  @Test
  void noApprovalInTimeTearsGreenDownAndNeverTouchesPgBouncer() {
    pgbouncer.approvalTimeoutSeconds = 7200;
    WorkflowClient.start(restoreStub()::run, RunbookInput.of(promote(false)));

    ApplicationFailure f = failure();

    assertTrue(f.getOriginalMessage().contains("failed in AWAIT_APPROVAL: nobody approved the switch within 120 min"),
        f.getOriginalMessage());
    assertEquals(List.of("policy"), pgbouncer.calls);
    assertTrue(restore.calls.contains("teardown"));
    assertTrue(restore.environments.isEmpty());
    assertEquals(List.of("restore.awaiting-approval", "restore.failed"), notify.events());
  }

  @Test
  void abortWhileWaitingForApprovalDiscardsGreen() {
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));

    wf.abort(new OperatorAction("dave", "the bad deploy was rolled forward instead"));
    RestoreResult r = result();

    assertEquals(SwitchoverOutcome.ABORTED, r.switchover().outcome());
    assertEquals("abort by dave: the bad deploy was rolled forward instead", r.switchover().stopRequest());
    assertEquals(List.of("policy"), pgbouncer.calls, "no guardrails, no switch");
    assertTrue(restore.environments.isEmpty(), "green torn down");
    assertTrue(evidence.actions().contains("switchover.aborted"));
    assertEquals("restore.aborted", notify.events().get(notify.events().size() - 1));
  }

  @Test
  void abortDuringTheRestoreStopsItBeforeAnythingIsProvisioned() {
    restore.planGate = new java.util.concurrent.CountDownLatch(1);
    // The phase is published before the activity is dispatched: also wait until the plan step really runs.
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false),
        p -> p.phase() == RestorePhase.PLAN && p.restoreId() != null && restore.calls.contains("plan"));

    wf.abort(new OperatorAction("dave", "found the rows in a replica"));
    RestoreResult r = result();
    restore.planGate.countDown();

    assertEquals(SwitchoverOutcome.ABORTED, r.switchover() == null ? null : r.switchover().outcome(),
        "the plan step was canceled; the run ends as aborted, not failed");
    assertEquals(List.of("plan"), restore.calls);
    assertTrue(restore.environments.isEmpty());
    assertTrue(evidence.actions().contains("switchover.aborted"), evidence.actions().toString());
  }

  @Test
  void rollbackBeforeTheSwitchAbortsAndKeepOnFailureKeepsGreen() {
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(true), phase(RestorePhase.AWAIT_APPROVAL));

    wf.rollback(new OperatorAction("dave", "wrong recovery time"));
    RestoreResult r = result();

    assertEquals(SwitchoverOutcome.ABORTED, r.switchover().outcome());
    assertEquals(1, restore.environments.size(), "kept on request");
    assertTrue(evidence.actions().contains("restore.environment-kept"));
  }

  @Test
  void rollbackDuringTheBakeSwitchesBackAndDiscardsGreen() {
    pgbouncer.bakeBlocks = true;
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("carol", null));
    awaitProgress(p -> p.phase() == RestorePhase.BAKE && pgbouncer.calls.contains("watch")); // the watch really runs
    assertEquals(new BackendRef("127.0.0.1", 54321, "orders"), pgbouncer.pointsAt);

    wf.abort(new OperatorAction("erin", "too late for abort"));
    wf.rollback(new OperatorAction("erin", "checkout errors since the switch"));
    RestoreResult r = result();

    SwitchoverReport s = r.switchover();
    assertEquals(SwitchoverOutcome.ROLLED_BACK, s.outcome());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt, "traffic is on blue again");
    assertTrue(pgbouncer.blueRunning, "blue never stopped");
    assertEquals(List.of("policy", "guardrails", "switch-to-green", "health", "watch", "switch-to-blue", "health"),
        pgbouncer.calls);
    assertTrue(restore.environments.isEmpty(), "green torn down");
    assertEquals(FakeSwitchoverActivities.BLUE, s.toBlue().to());
    assertEquals(1, s.ignored().size(), s.ignored().toString());
    assertTrue(s.ignored().get(0).startsWith("abort by erin ignored in BAKE"), s.ignored().get(0));
    assertTrue(evidence.actions().contains("switchover.rolled-back"));
    assertEquals("rolled-back",
        evidence.manifests.get("orders/restores/" + r.restoreId() + "/switchover-manifest").get("outcome"));
    assertEquals("switchover.rolled-back", notify.events().get(notify.events().size() - 1));
  }

  @Test
  void failedHealthChecksDuringTheBakeRollBackAndFailTheRun() {
    pgbouncer.bakeHealthy = false;
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));

    ApplicationFailure f = failure();

    assertTrue(f.getOriginalMessage().contains("failed in BAKE: green failed 3 health checks in a row"), f.getOriginalMessage());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt);
    assertTrue(pgbouncer.blueRunning);
    assertTrue(restore.environments.isEmpty());
    assertTrue(notify.sent.get(notify.sent.size() - 1).summary().contains("traffic: back on blue"),
        notify.sent.get(notify.sent.size() - 1).summary());
  }

  @Test
  void aGreenThatFailsItsFirstHealthCheckIsRolledBackAtOnce() {
    pgbouncer.greenHealthy = false;
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));

    ApplicationFailure f = failure();

    assertTrue(f.getOriginalMessage().contains("failed in SWITCH: green failed its health check"), f.getOriginalMessage());
    assertEquals(List.of("policy", "guardrails", "switch-to-green", "health", "health", "health", "switch-to-blue", "health"),
        pgbouncer.calls, "three tries, then back to blue");
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt);
    assertTrue(restore.environments.isEmpty());
  }

  @Test
  void aPauseThatTimesOutLeavesTrafficOnBlueAndWaitsForAnotherApproval() {
    pgbouncer.switchToGreenFailure = ApplicationFailure.newNonRetryableFailure(
        "PAUSE of database 'orders' did not finish within 30 s: 1 transaction open for 31 s (pid 4242)", "PauseTimedOut");
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));
    RestoreProgress again = awaitProgress(p -> p.phase() == RestorePhase.AWAIT_APPROVAL && p.lastError() != null).progress();

    assertTrue(again.lastError().contains("did not finish within 30 s"), again.lastError());
    assertEquals(List.of("bob"), again.switchover().approvals().stream().map(ApprovalRecord::approver).toList(),
        "bob's approval is recorded, and spent");
    assertTrue(notify.events().contains("switchover.not-switched"), notify.events().toString());
    assertEquals(1, restore.environments.size(), "hours of restore are not thrown away for one long transaction");
    pgbouncer.switchToGreenFailure = null;
    wf.approve(new Approval("carol", "the batch job is done"));
    RestoreResult r = result();

    assertEquals(SwitchoverOutcome.PROMOTED, r.switchover().outcome());
    assertEquals(List.of("bob", "carol"), r.switchover().approvals().stream().map(ApprovalRecord::approver).toList());
    assertTrue(evidence.actions().contains("switchover.not-switched"));
  }

  @Test
  void aSwitchThatFailsIsUndoneAndGreenDiscarded() {
    pgbouncer.switchToGreenFailure = ApplicationFailure.newNonRetryableFailure(
        "after RELOAD PgBouncer still sends database 'orders' to 127.0.0.1:5432/orders", "PgBouncerMisconfigured");
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));

    ApplicationFailure f = failure();

    assertTrue(f.getOriginalMessage().contains("failed in SWITCH: after RELOAD PgBouncer still sends"), f.getOriginalMessage());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt);
    assertTrue(pgbouncer.calls.contains("switch-to-blue"), "the compensation makes sure PgBouncer runs on blue, unpaused");
    assertTrue(restore.environments.isEmpty());
  }

  @Test
  void whenSwitchingBackFailsGreenIsNotTornDown() {
    pgbouncer.bakeBlocks = true;
    pgbouncer.switchToBlueFailure = ApplicationFailure.newNonRetryableFailure("PgBouncer unreachable", "PgBouncerUnreachable");
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));
    awaitProgress(phase(RestorePhase.BAKE));

    wf.rollback(new OperatorAction("erin", "errors"));
    ApplicationFailure f = failure();

    assertEquals("RollbackFailed", f.getType());
    assertTrue(f.getOriginalMessage().contains("green is left running"), f.getOriginalMessage());
    assertEquals(1, restore.environments.size(), "green may still serve traffic: never torn down");
    assertFalse(restore.calls.contains("teardown"));
    assertEquals("switchover.rollback-failed", notify.events().get(notify.events().size() - 1));
  }

  @Test
  void aGuardrailThatFailsStopsBeforeTheSwitchAndTheApprovalDeadlineStillHolds() {
    pgbouncer.guardrailFailure = ApplicationFailure.newNonRetryableFailure(
        "cannot reach PostgreSQL for target 'orders': Connection to 127.0.0.1:5432 refused", "DatabaseUnreachable");
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));
    awaitProgress(p -> p.phase() == RestorePhase.AWAIT_APPROVAL && p.lastError() != null);
    pgbouncer.guardrailFailure = ApplicationFailure.newNonRetryableFailure(
        "green's system identifier 7399 differs from blue's 7312", "GuardrailFailed");
    wf.approve(new Approval("carol", null));
    awaitProgress(p -> p.phase() == RestorePhase.AWAIT_APPROVAL && p.lastError() != null
        && p.lastError().contains("system identifier"));

    ApplicationFailure f = failure(); // nobody approves again: the original deadline ends it

    assertEquals("RestoreFailed", f.getType());
    assertTrue(f.getOriginalMessage().contains("nobody approved the switch within 60 min")
        && f.getOriginalMessage().contains("last attempt: green's system identifier"), f.getOriginalMessage());
    assertFalse(pgbouncer.calls.contains("switch-to-green"));
    assertFalse(pgbouncer.calls.contains("switch-to-blue"), "nothing to undo");
    assertTrue(restore.environments.isEmpty());
  }

  @Test
  void greenIsKeptWhenBlueFailsItsHealthCheckAfterTheRollback() {
    pgbouncer.bakeBlocks = true;
    PointInTimeRestoreWorkflow wf = startAndAwait(promote(false), phase(RestorePhase.AWAIT_APPROVAL));
    wf.approve(new Approval("bob", null));
    awaitProgress(phase(RestorePhase.BAKE));
    pgbouncer.blueHealthy = false;

    wf.rollback(new OperatorAction("erin", "errors"));
    RestoreResult r = result();

    assertEquals(SwitchoverOutcome.ROLLED_BACK, r.switchover().outcome());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt);
    assertEquals(1, restore.environments.size(), "green, with the bake's writes, may be the better database now");
    assertTrue(notify.sent.get(notify.sent.size() - 1).summary().contains("kept: blue failed its health check"),
        notify.sent.get(notify.sent.size() - 1).summary());
  }

  @Test
  void anAbortSentWithTheStartStopsTheRunBeforeAnythingRuns() {
    WorkflowStub untyped = WorkflowStub.fromTyped(restoreStub());
    untyped.signalWithStart("abort", new Object[] {new OperatorAction("dave", "wrong ticket")}, new Object[] {promote(false)});
    RestoreResult r = untyped.getResult(RestoreResult.class);

    assertEquals(SwitchoverOutcome.ABORTED, r.switchover().outcome());
    assertEquals(List.of(), restore.calls);
    assertEquals(List.of(), pgbouncer.calls);
  }

  @Test
  void aTargetWithoutSwitchoverSettingsIsRefusedBeforeProvisioning() {
    pgbouncer.policyFailure = ApplicationFailure.newNonRetryableFailure(
        "target orders has no switchover block in the targets file", "SwitchoverNotConfigured");
    WorkflowClient.start(restoreStub()::run, RunbookInput.of(promote(false)));

    ApplicationFailure f = failure();

    assertTrue(f.getOriginalMessage().contains("failed in PLAN: target orders has no switchover block"), f.getOriginalMessage());
    assertEquals(List.of("plan"), restore.calls, "nothing provisioned");
  }

  @Test
  void anIsolatedRestoreHasNothingToApprove() {
    restore.planGate = new java.util.concurrent.CountDownLatch(1);
    WorkflowClient.start(restoreStub()::run, RunbookInput.of(new RestoreRequest("orders", RecoveryTarget.latest(), null, RestoreMode.ISOLATED,
        List.of(), false, false, "alice", null)));
    PointInTimeRestoreWorkflow wf = awaitProgress(p -> p.restoreId() != null);

    assertTrue(rejection(() -> wf.approve(new Approval("bob", null))).contains("mode isolated"));
    restore.planGate.countDown();
    assertEquals(null, result().switchover());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
