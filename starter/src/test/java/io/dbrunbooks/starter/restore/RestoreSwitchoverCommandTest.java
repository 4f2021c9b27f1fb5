package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.Cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.common.FakeEvidenceActivities;
import io.dbrunbooks.workflows.common.FakeNotifyActivities;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflowImpl;
import io.dbrunbooks.workflows.restore.FakeRestoreActivities;
import io.dbrunbooks.workflows.restore.FakeSwitchoverActivities;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code runbooks restore start --mode promote}, {@code approve}, {@code approve-decommission},
 * {@code abort}, {@code rollback} and the switchover in {@code status}, against the SDK's Java test
 * server and a worker running the real restore and decommission workflows over fake steps (the
 * workflows module's fakes): what a person sees, and that what they typed reaches the workflow.
 */
class RestoreSwitchoverCommandTest {
  EmbeddedTemporal temporal;
  TemporalConnection connection;
  WorkerFactory factory;
  Map<String, String> env;
  final FakeRestoreActivities restore = new FakeRestoreActivities();
  final FakeSwitchoverActivities pgbouncer = new FakeSwitchoverActivities();

  @BeforeEach
  void temporalWithAWorker() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    temporal = EmbeddedTemporal.startJavaTestServer(port);
    connection = TemporalConnection.local(temporal.address());
    factory = WorkerFactory.newInstance(connection.client());
    Worker worker = factory.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(PointInTimeRestoreWorkflowImpl.class, BlueDecommissionWorkflowImpl.class);
    worker.registerActivitiesImplementations(restore, pgbouncer, new FakeEvidenceActivities(), new FakeNotifyActivities());
    factory.newWorker(TaskQueues.Heavy.RESTORE.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(restore);
    factory.start();
    // alice is the operator of every restore she starts; the approvers are bob and carol.
    env = Map.of("TEMPORAL_ADDRESS", temporal.address(), "USER", "alice");
  }

  @AfterEach
  void stop() {
    factory.shutdownNow();
    connection.close();
    temporal.close();
  }

  Cli.Result cli(String... args) {
    return Cli.run(env, args);
  }

  Cli.Result as(String user, String... args) {
    Map<String, String> e = new HashMap<>(env);
    e.put("USER", user);
    return Cli.run(e, args);
  }

  @Test
  void aStartTheWorkflowRefusesExits2WithItsReasonAndNeverSaysStarted() {
    // RestoreValidation refuses a time in the future in the workflow's first task, 30 ms after the start.
    Cli.Result future = cli("restore", "start", "--target", "orders", "--time", "2999-01-01T00:00:00Z");
    assertEquals(2, future.exitCode(), future.toString());
    assertTrue(future.err().contains("restore of orders refused: field 'recoveryTarget.value': recovery time 2999-01-01T00:00:00Z is in the future"),
        future.toString());
    assertFalse(future.out().contains("started"), future.toString());

    Cli.Result waiting = cli("restore", "start", "--target", "orders", "--time", "2999-01-01T00:00:00Z", "--wait", "--json");
    assertEquals(2, waiting.exitCode(), "with --wait a refusal is a refusal too: " + waiting);
    assertFalse(waiting.out().contains("started") || waiting.out().contains("running"), waiting.toString());

    // The refused runs ended, so they hold no lock: the corrected command starts.
    Cli.Result ok = cli("restore", "start", "--target", "orders", "--latest", "--dry-run");
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.out().startsWith("started a dry run of a restore of orders to latest"), ok.toString());
  }

  @Test
  void anOperatorWithTerminalEscapesIsRefusedAndNeverReachesTheWorkflowListRaw() {
    Cli.Result r = cli("restore", "start", "--target", "orders", "--latest", "--dry-run", "--operator", "alice\n\u001b[31mroot");
    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.err().contains("field 'operator' contains the control character U+000A"), r.toString());
    assertFalse(r.err().contains("\u001b") || r.out().contains("\u001b"), "the CLI prints no escape it was given: " + r);
    // The run's one-line summary in the workflow list was stored before the workflow refused it: printable.
    String summary = connection.client().newUntypedWorkflowStub("restore/orders").describe().getStaticSummary();
    assertEquals("restore of orders to latest (isolated, dry run) by alice\\u000A\\u001B[31mroot", summary);
  }

  @Test
  void aStartWhoseFirstTaskFailsIsRefusedAndEndedSoItHoldsNoLock() {
    // This worker runs no BackupWorkflow: its first workflow task fails, and the server would retry it forever.
    Map<String, String> e = new HashMap<>(env);
    e.put("RUNBOOKS_START_WAIT", "2");
    Cli.Result b = Cli.run(e, "backup", "start", "--target", "orders");
    assertEquals(2, b.exitCode(), b.toString());
    assertTrue(b.err().startsWith("backup of orders refused: "), b.toString());
    assertTrue(b.err().contains("BackupWorkflow") && b.err().contains("the run (backup/orders) was terminated"), b.toString());
    assertFalse(b.out().contains("started"), b.toString());

    Cli.Result again = Cli.run(e, "backup", "start", "--target", "orders");
    assertEquals(2, again.exitCode(), "refused again, not 'already running' (exit 3): " + again);
  }

  @Test
  void promoteWaitsForApprovalRefusesTheOperatorThenApproveAndRollbackReachTheRestore() throws Exception {
    pgbouncer.bakeBlocks = true;
    Cli.Result start = cli("restore", "start", "--target", "orders", "--latest", "--mode", "promote", "--wait");
    assertEquals(0, start.exitCode(), start.toString());
    assertTrue(start.out().contains("started promote restore of orders to latest"), start.out());
    assertTrue(start.out().contains("operator alice"), start.out());
    assertTrue(start.out().contains("  await_approval "), start.out());
    assertTrue(start.out().contains("the restored copy of orders awaits approval to take the traffic until 20"), start.out());
    assertTrue(start.out().contains("approvers: bob, carol"), start.out());
    assertTrue(start.out().contains("approve with: runbooks restore approve --target orders --approver <name>\n"), start.out());

    // The approver defaults to $USER, like --operator, and alice started this restore.
    Cli.Result own = cli("restore", "approve", "--target", "orders");
    assertEquals(2, own.exitCode(), own.toString());
    assertTrue(own.err().contains("the restore of orders refused approve: alice started this restore and cannot approve"),
        own.toString());

    Cli.Result stranger = cli("restore", "approve", "--target", "orders", "--approver", "mallory");
    assertEquals(2, stranger.exitCode(), stranger.toString());
    assertTrue(stranger.err().contains("mallory is not on the approver list"), stranger.toString());

    Cli.Result early = cli("restore", "approve-decommission", "--target", "orders", "--approver", "bob");
    assertEquals(1, early.exitCode(), early.toString());
    assertTrue(early.err().contains("the last restore of orders (run ") && early.err().contains(") is running; name the promoted"
        + " restore with --restore-id"), early.toString());

    Cli.Result waiting = cli("restore", "status", "--target", "orders");
    assertEquals(0, waiting.exitCode(), waiting.toString());
    assertTrue(waiting.out().contains("awaits approval to take the traffic until 20"), waiting.out());
    assertTrue(waiting.out().contains("approvers: bob, carol (not the operator who started the restore)"), waiting.out());
    assertTrue(waiting.out().contains("  traffic   on blue (not switched)"), waiting.out());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt);

    Cli.Result approved = cli("restore", "approve", "--target", "orders", "--approver", "bob", "--comment", "row counts match");
    assertEquals(0, approved.exitCode(), approved.toString());
    assertTrue(approved.out().contains("approved the switchover of the restore of orders as bob at 20"), approved.out());
    awaitPhase("orders", "bake");

    Cli.Result baking = cli("restore", "status", "--target", "orders");
    assertTrue(baking.out().contains("  approvers bob, carol; approval deadline 20"), baking.out());
    assertTrue(baking.out().contains("  approved  switchover by bob at 20"), baking.out());
    assertTrue(baking.out().contains(": row counts match\n"), baking.out());
    assertTrue(baking.out().contains("  pgbouncer 127.0.0.1:6432 database orders: blue 127.0.0.1:5432/orders, green 127.0.0.1:54321/orders"),
        baking.out());
    assertTrue(baking.out().contains("  traffic   on green (switched from 127.0.0.1:5432/orders to 127.0.0.1:54321/orders,"
        + " new transactions held 42 ms)"), baking.out());
    assertTrue(baking.out().contains("  health    ok through PgBouncer after the switch (127.0.0.1:54321, cluster orders-restore-"),
        baking.out());
    assertTrue(baking.out().contains("  bake      until 20"), baking.out());
    assertTrue(baking.out().contains("roll back to blue with: runbooks restore rollback --target orders --reason TEXT"), baking.out());

    Cli.Result json = cli("--json", "restore", "status", "--target", "orders");
    assertEquals(0, json.exitCode(), json.toString());
    assertTrue(json.out().contains("\"switchover\" : {"), json.out());
    assertTrue(json.out().contains("\"approver\" : \"bob\""), json.out());
    assertTrue(json.out().contains("\"comment\" : \"row counts match\""), json.out());
    assertTrue(json.out().contains("\"green\" : {"), json.out());

    Cli.Result rollback = cli("restore", "rollback", "--target", "orders", "--by", "carol", "--reason", "p99 latency doubled");
    assertEquals(0, rollback.exitCode(), rollback.toString());
    assertTrue(rollback.out().contains("sent rollback to the restore of orders (workflow restore/orders, run "), rollback.out());
    assertTrue(rollback.out().contains("stop requested: rollback by carol: p99 latency doubled"), rollback.out());

    Cli.Result done = awaitCompleted("orders");
    assertTrue(done.out().contains("  traffic   on blue again (switched back, new transactions held 42 ms)"), done.out());
    assertTrue(done.out().contains("  stop      rollback by carol: p99 latency doubled"), done.out());
    assertTrue(done.out().contains("  outcome   rolled back: traffic on blue"), done.out());
    assertEquals(FakeSwitchoverActivities.BLUE, pgbouncer.pointsAt, "the rollback reached PgBouncer");
    Cli.Result doneJson = cli("--json", "status", "restore/orders");
    assertTrue(doneJson.out().contains("\"outcome\" : \"rolled-back\""), doneJson.out());

    Cli.Result late = cli("restore", "abort", "--target", "orders", "--reason", "too late");
    assertEquals(1, late.exitCode(), late.toString());
    assertTrue(late.err().contains("no restore of orders is running (the last one, run "), late.toString());
    assertTrue(late.err().contains(", is completed)"), late.toString());
  }

  @Test
  void aPromotedRestoreLeavesBlueForSomeoneElseToDecommission() throws Exception {
    pgbouncer.keepBlueSeconds = 1;
    Cli.Result start = cli("restore", "start", "--target", "orders", "--latest", "--mode", "promote");
    assertEquals(0, start.exitCode(), start.toString());
    awaitPhase("orders", "await_approval");
    assertEquals(0, as("carol", "restore", "approve", "--target", "orders").exitCode());

    Cli.Result done = awaitCompleted("orders");
    assertTrue(done.out().contains("  outcome   promoted: traffic on green"), done.out());
    assertTrue(done.out().contains("  blue      stopped, last checkpoint 0/7000100, data /var/lib/postgresql/15/main, kept until 20"),
        done.out());
    assertTrue(done.out().contains("  kept by   decommission/orders-"), done.out());
    assertTrue(done.out().contains("  target    backups and the WAL archiver now connect to 127.0.0.1:54321 instead of"
        + " 127.0.0.1:5432, as this manifest says"), done.out());
    assertTrue(done.out().contains("remove blue (after the keep period) with: runbooks restore approve-decommission --target orders"),
        done.out());
    assertFalse(pgbouncer.blueRunning);

    Cli.Result own = cli("restore", "approve-decommission", "--target", "orders");
    assertEquals(2, own.exitCode(), own.toString());
    assertTrue(own.err().contains("refused approve-decommission: alice started this restore and cannot approve removing blue"
        + " /var/lib/postgresql/15/main of orders"), own.toString());

    Cli.Result approved = as("bob", "restore", "approve-decommission", "--target", "orders", "--comment", "green is fine");
    assertEquals(0, approved.exitCode(), approved.toString());
    assertTrue(approved.out().contains("approved removing blue of orders as bob at 20"), approved.out());
    String id = approved.out().replaceAll("(?s).*\\(workflow (decommission/[^)]+)\\).*", "$1");
    Cli.Result removed = null;
    for (int i = 0; i < 100 && !pgbouncer.blueRemoved; i++) {
      Thread.sleep(100);
    }
    assertTrue(pgbouncer.blueRemoved, "blue removed after the keep period and the approval");
    for (int i = 0; i < 50; i++) {
      removed = cli("status", id);
      if (removed.out().contains("): completed")) {
        break;
      }
      Thread.sleep(100);
    }
    assertTrue(removed.out().contains("  phase     completed"), removed.out());
    assertTrue(removed.out().contains("  approved  by bob at 20") && removed.out().contains(": green is fine"), removed.out());
    assertTrue(removed.out().contains("  removed   /var/lib/postgresql/15/main"), removed.out());
  }

  @Test
  void abortBeforeTheSwitchIsSentAsTheUserAndIsolatedStaysTheDefault() throws Exception {
    Cli.Result start = cli("restore", "start", "--target", "billing", "--latest", "--mode", "promote");
    assertEquals(0, start.exitCode(), start.toString());
    assertTrue(start.out().contains("started promote restore of billing"), start.out());
    awaitPhase("billing", "await_approval");

    Cli.Result abort = as("dave", "--json", "restore", "abort", "--target", "billing", "--reason", "wrong point in time");
    assertEquals(0, abort.exitCode(), abort.toString());
    assertTrue(abort.out().contains("\"signal\" : \"abort\""), abort.out());
    assertTrue(abort.out().contains("\"by\" : \"dave\""), abort.out());
    assertTrue(abort.out().contains("\"stopRequest\" : \"abort by dave: wrong point in time\""), abort.out());

    Cli.Result done = awaitCompleted("billing");
    assertTrue(done.out().contains("  outcome   aborted before the switch"), done.out());
    assertFalse(pgbouncer.calls.contains("switch-to-green"));

    Cli.Result nothing = cli("restore", "approve", "--target", "stocks", "--approver", "bob");
    assertEquals(1, nothing.exitCode(), nothing.toString());
    assertTrue(nothing.err().contains("no restore of stocks is running (no workflow restore/stocks)"), nothing.toString());

    int policyChecks = (int) pgbouncer.calls.stream().filter("policy"::equals).count();
    Cli.Result isolated = cli("restore", "start", "--target", "stocks", "--latest", "--wait");
    assertEquals(0, isolated.exitCode(), isolated.toString());
    assertFalse(isolated.out().contains("approve"), isolated.out());
    assertEquals(policyChecks, pgbouncer.calls.stream().filter("policy"::equals).count(), "isolated is the default: no switchover");

    Cli.Result badMode = cli("restore", "start", "--target", "stocks", "--latest", "--mode", "blue-green");
    assertEquals(2, badMode.exitCode(), badMode.toString());
    assertTrue(badMode.err().contains("'blue-green' is not a restore mode: use isolated or promote"), badMode.toString());

    Cli.Result noReason = cli("restore", "rollback", "--target", "stocks");
    assertEquals(2, noReason.exitCode(), noReason.toString());
    assertTrue(noReason.err().contains("--reason"), noReason.toString());
  }

  private void awaitPhase(String target, String phase) throws InterruptedException {
    Cli.Result status = null;
    for (int i = 0; i < 100; i++) {
      status = cli("restore", "status", "--target", target);
      if (status.out().contains("  " + phase + " ")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the restore of " + target + " never reached " + phase + ":\n" + status);
  }

  private Cli.Result awaitCompleted(String target) throws InterruptedException {
    Cli.Result status = null;
    for (int i = 0; i < 100; i++) {
      status = cli("restore", "status", "--target", target);
      if (status.out().contains("restore/" + target + " (PointInTimeRestoreWorkflow, run ") && status.out().contains("): completed")) {
        assertEquals(0, status.exitCode(), status.toString());
        return status;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the restore of " + target + " never completed:\n" + status);
  }
}
