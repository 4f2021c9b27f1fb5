package io.dbrunbooks.starter.demo;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.backup.BackupRuns;
import io.dbrunbooks.starter.evidence.EvidenceVerifyCommand;
import io.dbrunbooks.starter.restore.RestoreRuns;
import io.dbrunbooks.starter.restore.RunningRestore;
import io.dbrunbooks.starter.restore.SwitchoverLines;

import io.dbrunbooks.starter.CliCommand;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.pgbouncer.Backend;
import io.dbrunbooks.activities.pgbouncer.LocalPgBouncer;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.activities.restore.RestoreServing;
import io.dbrunbooks.activities.switchover.Promotions;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.worker.RunbookWorker;
import io.dbrunbooks.worker.StartupException;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.restore.Approval;
import io.dbrunbooks.workflows.restore.ApprovalRecord;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflow;
import io.dbrunbooks.workflows.restore.BlueStopped;
import io.dbrunbooks.workflows.restore.DecommissionResult;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RecoveredPoint;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.dbrunbooks.workflows.restore.SwitchoverOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverReport;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.client.WorkflowClient;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks demo}: the backup and restore runbooks on one machine, from nothing. A sandbox
 * PostgreSQL cluster with sample data behind a PgBouncer, a keyring and targets file, the embedded
 * Temporal service, an in-process worker, one physical backup started exactly as {@code backup
 * start} starts it, and an offline verification of its evidence; then continuous WAL archiving, an
 * application writing through PgBouncer, its accidental delete, and a point-in-time restore to the
 * moment before it, promoted through PgBouncer once a second person (the demo, automatically)
 * approves. Everything lives in the work directory, which a re-run recreates from scratch.
 */
@Command(name = "demo", description = {
    "Run the runbooks end to end in a sandbox: start here.",
    "PostgreSQL with sample data behind PgBouncer, embedded Temporal, a worker, continuous WAL archiving, a physical"
        + " backup, offline evidence verification, then an accidental DELETE undone by a point-in-time restore that takes"
        + " the traffic through PgBouncer after an (automatic) approval.",
    "Everything lives in --work-dir; a re-run starts over. Needs the PostgreSQL server binaries and pgbouncer; uses"
        + " 127.0.0.1:7233 (and the Web UI on 8233 when the temporal CLI is installed)."})
public final class DemoCommand extends CliCommand {
  public static final String TARGET = "orders";
  /** Who starts the demo's runs. */
  public static final String OPERATOR = "demo";
  /** The one name on the demo's switchover.approvers: never the operator, who may not approve their own restore. */
  public static final String APPROVER = "demo-approver";
  /** The application's role, which reaches the database only through PgBouncer. */
  public static final String APP_ROLE = "orders_app";
  public static final String APP_PASSWORD_FILE = "orders-app-password";
  /** Marks a directory as ours, so a re-run only ever deletes what a demo created. */
  public static final String MARKER = ".runbooks-demo-workdir";

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = ".runbooks-demo",
      description = "Where the cluster, keys, backups, evidence and Temporal state go (default ./${DEFAULT-VALUE}).")
  public Path workDir;

  @Option(names = "--keep-running", description = "Leave PostgreSQL, PgBouncer, Temporal, the worker and the WAL archiver running"
      + " until Ctrl-C or SIGTERM, which stop it all within about 30 s.")
  public boolean keepRunning;

  @Option(names = "--temporal-port", hidden = true, defaultValue = "7233")
  public int temporalPort;

  @Option(names = "--ui-port", hidden = true, defaultValue = "8233")
  public int uiPort;

  /**
   * How long the stop gives the WAL archiver to upload what it holds and end, and then the worker's
   * running tasks to finish before they are interrupted: with Temporal, PgBouncer and PostgreSQL the
   * demo stops within about 30 s, which container platforms wait before they kill.
   */
  public static final Duration ARCHIVER_STOP = Duration.ofSeconds(10);
  public static final Duration WORKER_GRACE = Duration.ofSeconds(10);

  /** Something the demo started, and what to call it when it is stopped. */
  private record Started(String what, AutoCloseable stop) {}

  private final Deque<Started> running = new ArrayDeque<>();
  private volatile boolean stopping;
  private final java.util.concurrent.atomic.AtomicBoolean archiverStopped = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * pgjdbc warns "Unsupported Server Version: 1.18.0/bouncer" on every connection to PgBouncer's
   * admin console, which the switchover activities use; harmless, and noise in the demo's output.
   * Held here: java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger PGJDBC_CONNECTION = java.util.logging.Logger.getLogger("org.postgresql.jdbc.PgConnection");

  @Override
  public Integer call() throws Exception {
    PGJDBC_CONNECTION.setLevel(java.util.logging.Level.SEVERE);
    Path dir = workDir.toAbsolutePath().normalize();
    PrintWriter out = out();
    // Before touching anything: a taken port is the most likely failure and needs nothing cleaned up.
    if (!DemoSandbox.portFree(temporalPort)) {
      throw CliFailure.usage("127.0.0.1:" + temporalPort + " is already in use, probably by another Temporal server or a demo"
          + " started with --keep-running. Stop it (a leftover dev server shows up as 'temporal server start-dev') and run the demo again.");
    }
    if (!LocalPgBouncer.installed()) {
      throw CliFailure.failed("the demo needs PgBouncer (the restored database takes the application's traffic through it),"
          + " but there is no pgbouncer at " + LocalPgBouncer.program() + ": install it (apt-get install pgbouncer;"
          + " ./runbooks demo does so when run as root) or set PGBOUNCER to its path");
    }
    // Ctrl-C or SIGTERM at any point stops what was started; PostgreSQL runs detached and would
    // otherwise outlive the demo.
    // The hook also waits for this thread to unwind: whatever it starts meanwhile (the dev server is
    // a child process) is closed by remember() instead of outliving the JVM.
    Thread main = Thread.currentThread();
    CountDownLatch finished = new CountDownLatch(1);
    Thread shutdown = new Thread(() -> {
      stopping = true;
      main.interrupt();
      stopAll(out());
      try {
        finished.await(5, TimeUnit.SECONDS); // stopAll is done; the main thread only unwinds
      } catch (InterruptedException ignored) {
        // the JVM is going down either way
      }
      ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
    }, "runbooks-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    try {
      step(out, "preparing work directory " + dir);
      DemoSandbox.recreate(dir, MARKER, out);

      step(out, "creating a sandbox PostgreSQL cluster");
      LocalCluster cluster = LocalCluster.start(dir.resolve("postgres"));
      // Blue: the promotion stops it (and the decommission removes its data directory) before the demo ends.
      remember("PostgreSQL (blue)", () -> {
        if (Files.exists(cluster.dataDirectory().resolve("postmaster.pid"))) {
          cluster.close();
        }
      });
      DemoSandbox.loadSampleData(cluster, TARGET);
      Path appPasswordFile = dir.resolve(APP_PASSWORD_FILE);
      DemoSandbox.createAppRole(cluster, TARGET, APP_ROLE, appPasswordFile);
      out.println("  database " + TARGET + " on 127.0.0.1:" + cluster.port() + ": " + DemoSandbox.rowCounts(cluster, TARGET));
      out.println("  application role " + APP_ROLE + " (SCRAM password in " + appPasswordFile + ", mode 0600)");

      step(out, "starting PgBouncer in front of it: the application connects there, never to PostgreSQL directly");
      LocalPgBouncer pgbouncer = remember("PgBouncer", LocalPgBouncer.start(dir.resolve("pgbouncer"),
          Map.of(TARGET, new Backend("127.0.0.1", cluster.port(), TARGET)),
          Map.of(APP_ROLE, LocalPgBouncer.scramSecret(cluster, APP_ROLE))));
      DemoRestore.App app = new DemoRestore.App(pgbouncer.port(), TARGET, APP_ROLE, appPasswordFile);
      out.println("  127.0.0.1:" + pgbouncer.port() + " database " + TARGET + " -> 127.0.0.1:" + cluster.port()
          + " (transaction pooling; " + pgbouncer.databasesFile() + ")");

      step(out, "creating a keyring and a targets file");
      LocalKeyring keyring = LocalKeyring.create(dir.resolve("keyring.json"));
      out.println("  keyring " + keyring.path() + " (mode 0600): key-encryption key " + keyring.activeKekId()
          + ", signing key " + keyring.signingKeyId());
      Path targetsFile = DemoSandbox.writeTargets(dir, TARGET, cluster, keyring.path(), pgbouncer, APP_ROLE, appPasswordFile,
          APPROVER);
      out.println("  targets " + targetsFile + " (password read from " + cluster.passwordFile() + ", mode 0600);"
          + " promote restores switch PgBouncer once " + APPROVER + " approves");
      TargetsConfig config = TargetsConfigLoader.loadForWorker(targetsFile, cli().env);

      step(out, "starting Temporal on 127.0.0.1:" + temporalPort);
      EmbeddedTemporal temporal;
      try {
        temporal = remember("Temporal", EmbeddedTemporal.start(dir.resolve("temporal"), temporalPort, uiPort));
      } catch (StartupException e) {
        throw new CliFailure(e.getMessage().contains("already in use") ? RunbooksCli.EXIT_USAGE : RunbooksCli.EXIT_FAILED,
            "cannot start Temporal: " + e.getMessage(), e);
      }
      out.println("  " + (temporal.kind() == EmbeddedTemporal.Kind.DEV_SERVER
          ? "temporal server start-dev, Web UI " + temporal.uiAddress()
          : "the SDK's Java test server (install the temporal CLI for the Web UI)"));
      TemporalConnection connection = remember("the Temporal client", TemporalConnection.local(temporal.address()));
      connection.checkReachable(Duration.ofSeconds(10));

      step(out, "starting a worker on task queue db-runbooks");
      Registrations registrations = Registrations.forConfig(config, cli().env);
      RunbookWorker worker = RunbookWorker.start(connection.client(), registrations.workflowTypes(), registrations.activities());
      remember("the worker", () -> {
        boolean finishedOnTime = worker.close(WORKER_GRACE);
        if (!finishedOnTime) {
          out.println("  the worker's running tasks did not finish within " + WORKER_GRACE.toSeconds() + " s: interrupted");
        }
      });

      String slot = config.target(TARGET).walArchive().slotFor(TARGET);
      step(out, "archiving the WAL of " + TARGET + " continuously (as: runbooks wal archive start --target " + TARGET + ")");
      TargetResources resources = new TargetResources(config);
      AutoCloseable stopArchiver = () -> stopArchiver(out, connection.client(), resources, slot);
      DemoRestore.startArchiving(connection.client(), cluster, TARGET, slot, Duration.ofSeconds(60));
      // Stopped before the worker (resources close in reverse): it uploads what it holds, then ends.
      remember("the WAL archiver", stopArchiver);
      out.println("  workflow " + WalArchiveWorkflow.workflowId(TARGET) + " streams over replication slot " + slot
          + " into " + dir.resolve("backups").resolve(TARGET).resolve("wal"));

      step(out, "starting a physical backup of " + TARGET + " (as: runbooks backup start --target " + TARGET + " --operator "
          + OPERATOR + " --wait)");
      BackupRuns.Started run = BackupRuns.start(connection.client(),
          new BackupRequest(TARGET, BackupMethod.PHYSICAL, OPERATOR, null, null));
      out.println("  workflow " + run.workflowId() + ", run " + run.runId());
      BackupRuns.Outcome outcome = BackupRuns.follow(connection.client(), run, Duration.ofMillis(500),
          p -> {
            out.println(BackupRuns.progressLine(p));
            out.flush();
          },
          problem -> out.println("  " + problem));
      if (!outcome.ok()) {
        err().println("the demo backup failed: " + outcome.failure());
        err().println("PostgreSQL log: " + dir.resolve("postgres/postgres.log") + "; Temporal log: " + dir.resolve("temporal/temporal-server.log"));
        return RunbooksCli.EXIT_FAILED;
      }
      BackupResult result = outcome.result();

      step(out, "verifying the evidence offline (as: runbooks evidence verify " + result.backupId() + ")");
      EvidenceVerifier.Report report = new EvidenceVerifier(resources.evidence(TARGET), resources.store(TARGET),
          resources.keys(TARGET)::verificationKey).verify(TARGET, result.backupId());
      EvidenceVerifyCommand.print(out, report);

      out.println();
      BackupRuns.printSummary(out, result);
      if (!report.ok()) {
        return RunbooksCli.EXIT_FAILED;
      }

      if (DemoSandbox.isRoot()) {
        // Restored servers (the drill's and the bad day's) run as postgres, and so does their
        // restore_command, which unwraps data keys.
        io.dbrunbooks.activities.postgres.PgTools.handToServerUser(dir.resolve("keyring.json"));
      }
      DemoSchedulesAndDrill third = new DemoSchedulesAndDrill(out, err(), dir, targetsFile, temporal.address(), cli().env);
      if (temporal.kind() == EmbeddedTemporal.Kind.DEV_SERVER) {
        if (!third.schedules(connection)) {
          return RunbooksCli.EXIT_FAILED;
        }
      } else {
        out.println("  (schedules skipped: the Java test server this demo fell back to has no Temporal Schedules;"
            + " install the temporal CLI, see scripts/prerequisites.sh)");
      }
      if (!third.drill()) {
        return RunbooksCli.EXIT_FAILED;
      }

      RestoreResult restored = badDay(out, dir, cluster, app, pgbouncer, connection, resources, config, stopArchiver);
      if (restored == null) {
        return RunbooksCli.EXIT_FAILED;
      }
      if (!keepRunning) {
        decommissionBlue(out, connection, restored);
      }
      out.println();
      whereNext(out, dir, targetsFile, temporal, result, restored, app, slot, cluster.passwordFile());
      if (keepRunning) {
        out.println();
        out.println("everything keeps running (PgBouncer on 127.0.0.1:" + pgbouncer.port() + " in front of the restored "
            + TARGET + " on 127.0.0.1:" + restored.environment().port() + ", Temporal on " + temporal.address()
            + ", the worker, the WAL archiver streaming from the restored copy); press Ctrl-C (or send SIGTERM) to stop it all"
            + " within about 30 s.");
        out.flush();
        awaitCtrlC();
      }
      return RunbooksCli.EXIT_OK;
    } finally {
      stopAll(out);
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdown);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: nothing left to stop
      }
    }
  }

  /**
   * The second act: the application writes through PgBouncer, then sends a DELETE without WHERE; a
   * point-in-time restore to the moment before it, started as {@code runbooks restore start --mode
   * promote} starts one, approved as {@code runbooks restore approve} approves, takes the traffic.
   * Returns null when it failed.
   */
  private RestoreResult badDay(PrintWriter out, Path dir, LocalCluster cluster, DemoRestore.App app, LocalPgBouncer pgbouncer,
      TemporalConnection connection, TargetResources resources, TargetsConfig config, AutoCloseable stopArchiver) throws Exception {
    WorkflowClient client = connection.client();
    step(out, "the application writes through PgBouncer as " + APP_ROLE + ": one new order per transaction for 3 s");
    int written = DemoRestore.writeLoad(app, Duration.ofSeconds(3));
    long itemsBefore = DemoRestore.count(app, "order_items").rows();
    out.println("  " + written + " orders written; " + DemoSandbox.rowCounts(cluster, TARGET));

    step(out, "an accident: the application sends DELETE FROM order_items, without its WHERE clause");
    DemoRestore.Accident accident = DemoRestore.deleteByAccident(app);
    out.println("  " + accident.rowsDeleted() + " order items deleted; the last good moment was " + accident.before());
    // A fresh cluster runs on timeline 1.
    Duration lag = DemoRestore.awaitArchived(resources, TARGET, accident.walAfter(), 1, Duration.ofSeconds(60));
    out.println(String.format("  the WAL archive held the delete (LSN %s) %.1f s later", accident.walAfter(),
        lag.toMillis() / 1000.0));

    String time = accident.before().toString();
    step(out, "restoring " + TARGET + " to " + time + " and promoting it through PgBouncer (as: runbooks restore start --target "
        + TARGET + " --time " + time + " --mode promote --operator " + OPERATOR + " --wait)");
    RestoreRequest request = new RestoreRequest(TARGET, RecoveryTarget.time(time), null, RestoreMode.PROMOTE,
        List.of(new SmokeQuery("order items", null, "SELECT count(*) FROM order_items")), false, false, OPERATOR, null);
    BackupRuns.Started run = RestoreRuns.start(client, request);
    // Whatever the restore leaves (green, serving or not) goes when the demo stops, first of all.
    remember("the restored copy (green)", () -> removeGreen(out, dir, pgbouncer, config, resources));
    // ...but the archiver, which streams from green once it is promoted, stops before green goes (moved
    // up the stack): it uploads what it holds, and its replication slot is dropped.
    remember("the WAL archiver", stopArchiver);
    out.println("  workflow " + run.workflowId() + ", run " + run.runId());
    Consumer<RestoreProgress> progress = p -> {
      out.println(RestoreRuns.progressLine(p));
      out.flush();
    };
    Consumer<String> queryProblem = problem -> out.println("  " + problem);
    RestoreRuns.Outcome ready = RestoreRuns.follow(client, run, true, Duration.ofMillis(500), progress, queryProblem);
    RestoreProgress waiting = ready.switchoverUnderway();
    if (waiting == null || waiting.phase() != RestorePhase.AWAIT_APPROVAL) {
      err().println("the demo restore did not reach its approval: " + (ready.failure() != null ? ready.failure()
          : waiting == null ? "it ended without a switchover" : "it is in phase " + waiting.phase()));
      err().println("PostgreSQL log: " + dir.resolve("postgres/postgres.log") + "; restores: " + dir.resolve("restores"));
      return null;
    }
    out.println("  restored and checked after " + Human.seconds(waiting.elapsedSeconds()) + "; it awaits approval from "
        + String.join(", ", waiting.switchover().approvers()) + " until " + waiting.switchover().approvalDeadline());

    step(out, "approving the switch automatically as " + APPROVER + " (as: runbooks restore approve --target " + TARGET
        + " --approver " + APPROVER + ")");
    RunningRestore restore = RunningRestore.find(client, TARGET);
    ApprovalRecord approval = restore.update("approve", ApprovalRecord.class,
        new Approval(APPROVER, "approved automatically by runbooks demo"));
    out.println("  approved by " + approval.approver() + " at " + approval.at() + " (" + OPERATOR
        + ", who started the restore, may not approve it)");

    step(out, "switching PgBouncer to the restored copy (green), watching it for 6 s, then stopping blue");
    RestoreRuns.Outcome outcome = RestoreRuns.follow(client, run, Duration.ofMillis(500), progress, queryProblem);
    if (!outcome.ok()) {
      err().println("the demo restore failed: " + outcome.failure());
      err().println("PostgreSQL log: " + dir.resolve("postgres/postgres.log") + "; PgBouncer log: "
          + dir.resolve("pgbouncer/pgbouncer.log") + "; restores: " + dir.resolve("restores"));
      return null;
    }
    RestoreResult r = outcome.result();
    out.println();
    RestoreRuns.printSummary(out, r);
    SwitchoverReport s = r.switchover();
    if (s == null || s.outcome() != SwitchoverOutcome.PROMOTED || s.toGreen() == null) {
      err().println("the demo restore was not promoted: " + (s == null || s.outcome() == null ? "no outcome"
          : SwitchoverLines.outcome(s.outcome())));
      return null;
    }
    DemoRestore.AppView now = DemoRestore.count(app, "order_items");
    boolean back = now.rows() == itemsBefore && now.serverPort() == r.environment().port();
    out.println();
    out.println("the bad day, undone:");
    RestoreRuns.row(out, "RTO", Human.seconds(r.rtoSeconds()) + " from the restore's start to a restored, checked copy (ready)");
    RecoveredPoint at = r.recovered();
    RestoreRuns.row(out, "recovered", "to the last commit before the delete: "
        + (at.lastTransactionTime() == null ? "(none replayed)" : at.lastTransactionTime()) + " (recovery target " + time
        + "; LSN " + at.lsn() + ", timeline " + at.timeline() + ")");
    RestoreRuns.row(out, "switch", "PgBouncer held new transactions for " + s.toGreen().pausedMillis() + " ms while it moved "
        + TARGET + " from " + s.toGreen().from() + " (blue) to " + s.toGreen().to() + " (green)");
    RestoreRuns.row(out, "rows back", String.format("%d order items as %s sees them through PgBouncer, served by green on port %d;"
        + " %d before the delete%s", now.rows(), APP_ROLE, now.serverPort(), itemsBefore,
        back ? ": every row is back" : ": MISMATCH"));
    BlueStopped blue = s.blueStopped();
    RestoreRuns.row(out, "blue", (blue == null ? "NOT stopped" : "stopped (" + blue.dataDirectory() + ")")
        + (s.decommissionWorkflowId() == null ? "" : ", kept by " + s.decommissionWorkflowId()));
    // The archiver, running all along, lost blue when it stopped; it follows the sealed promotion to green.
    DemoRestore.Written onGreen = DemoRestore.writeOne(app);
    Duration followed = DemoRestore.awaitArchived(resources, TARGET, onGreen.lsn(), onGreen.timeline(),
        Duration.ofSeconds(120));
    RestoreRuns.row(out, "archive", String.format("follows green: an order written through PgBouncer after the"
        + " promotion (LSN %s, timeline %d) was archived %.1f s later", onGreen.lsn(), onGreen.timeline(),
        followed.toMillis() / 1000.0));
    if (!keepRunning) {
      stopNow(stopArchiver); // before green goes with the demo: it streams from green now
    }
    if (onGreen.timeline() <= 1) {
      err().println("the application still writes on timeline " + onGreen.timeline() + ": not on the promoted copy");
      return null;
    }
    return back && blue != null && s.decommissionWorkflowId() != null ? r : null;
  }

  /**
   * The demo's restored clusters go when it stops. Green serves the application through PgBouncer
   * and carries a SERVING marker, which teardown refuses; once PgBouncer is stopped it serves nobody,
   * so the marker comes off and the same teardown as {@code runbooks restore teardown} removes it.
   */
  private void removeGreen(PrintWriter out, Path dir, LocalPgBouncer pgbouncer, TargetsConfig config, TargetResources resources)
      throws Exception {
    pgbouncer.close();
    List<Path> restores;
    try (Stream<Path> s = Files.list(dir.resolve("restores"))) {
      restores = s.sorted().toList();
    } catch (NoSuchFileException none) {
      return;
    }
    RestoreActivitiesImpl activities = new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys);
    for (Path restore : restores) {
      String restoreId = restore.getFileName().toString();
      boolean serving = RestoreServing.clear(config.target(TARGET), restoreId);
      if (!activities.teardown(new TeardownRequest(TARGET, restoreId)).isEmpty()) {
        out.println("  restore " + restoreId + " torn down" + (serving
            ? " (PgBouncer is stopped, so nothing reaches it any more: its SERVING marker was removed first)" : ""));
      }
    }
  }

  /**
   * Blue's keep period (keepBlueDays: 0) is over at once: approve its removal as {@code runbooks
   * restore approve-decommission} does, and wait for the decommission workflow to remove it.
   */
  private void decommissionBlue(PrintWriter out, TemporalConnection connection, RestoreResult r) throws Exception {
    step(out, "removing blue now that its keep period (keepBlueDays: 0) is over (as: runbooks restore approve-decommission"
        + " --target " + TARGET + " --approver " + APPROVER + ")");
    RunningRestore decommission = RunningRestore.decommission(connection.client(), TARGET, r.restoreId());
    decommission.update("approve-decommission", ApprovalRecord.class,
        new Approval(APPROVER, "the demo ends: remove blue"));
    DecommissionResult removed = connection.client()
        .newUntypedWorkflowStub(decommission.workflowId, Optional.of(decommission.runId), Optional.of(BlueDecommissionWorkflow.TYPE))
        .getResult(60, TimeUnit.SECONDS, DecommissionResult.class);
    out.println("  " + decommission.workflowId + " removed " + String.join(", ", removed.removed()) + " (approved by "
        + removed.approval().approver() + ")");
  }

  private void whereNext(PrintWriter out, Path dir, Path targetsFile, EmbeddedTemporal temporal, BackupResult result,
      RestoreResult restored, DemoRestore.App app, String slot, Path superuserPasswordFile) {
    String whileRunning = keepRunning ? "" : "   (while the demo runs: --keep-running)";
    String decommission = restored.switchover().decommissionWorkflowId();
    out.println("where to look next:");
    if (temporal.uiAddress() != null) {
      out.println("  Web UI          " + temporal.uiAddress() + "/namespaces/default/workflows" + whileRunning);
    }
    out.println("  history         " + temporalCommand() + " workflow show --workflow-id " + PointInTimeRestoreWorkflow.workflowId(TARGET)
        + (temporalPort == EmbeddedTemporal.DEFAULT_PORT ? "" : " --address " + temporal.address()) + whileRunning);
    out.println("  catalog         runbooks backups list --target " + TARGET + " --targets " + targetsFile);
    out.println("  evidence        runbooks evidence verify " + result.backupId() + " --targets " + targetsFile);
    out.println("  application     PGPASSWORD=$(cat " + app.passwordFile() + ") psql -h 127.0.0.1 -p " + app.pgbouncerPort()
        + " -U " + app.user() + " " + app.database() + whileRunning);
    // The runbooks CLI finds Temporal as the worker does: 127.0.0.1:7233 unless TEMPORAL_ADDRESS says otherwise.
    String runbooks = temporalPort == EmbeddedTemporal.DEFAULT_PORT ? "runbooks" : "TEMPORAL_ADDRESS=" + temporal.address() + " runbooks";
    out.println("  restore         " + runbooks + " restore status --target " + TARGET + whileRunning);
    out.println("  blue            " + runbooks + " status " + decommission + whileRunning);
    if (keepRunning) {
      out.println("  remove blue     " + runbooks + " restore approve-decommission --target " + TARGET + " --approver " + APPROVER);
    }
    out.println("  WAL archive     runbooks wal verify --target " + TARGET + " --targets " + targetsFile);
    if (temporal.uiAddress() != null) {
      out.println("  schedules       " + temporal.uiAddress() + "/namespaces/default/schedules and " + runbooks + " schedules list"
          + whileRunning);
    }
    out.println("  drill report    " + dir.resolve("drills.html") + " (runbooks drills report --target " + TARGET + " --targets "
        + targetsFile + ")");
    if (keepRunning) {
      // Stopped by hand, the archiver leaves its slot on green holding WAL; the demo's own stop drops it.
      out.println("  stop archiving  " + runbooks + " wal archive stop --target " + TARGET + ", then on green: PGPASSWORD=$(cat "
          + superuserPasswordFile + ") psql -h 127.0.0.1 -p "
          + restored.environment().port() + " -U " + LocalCluster.SUPERUSER + " postgres -c \"SELECT pg_drop_replication_slot('"
          + slot + "')\"");
    }
    out.println("  files           " + dir + "/{backups,evidence,restores,pgbouncer,keyring.json,targets.yaml}");
  }

  /** {@code temporal} when it is on PATH, else the full path of the binary the demo used. */
  private String temporalCommand() {
    Map<String, String> env = cli().env;
    Optional<Path> binary;
    try {
      binary = EmbeddedTemporal.findTemporalBinary(env);
    } catch (StartupException e) {
      return "temporal";
    }
    String path = env.getOrDefault("PATH", "");
    boolean onPath = binary.isPresent() && binary.get().getParent() != null
        && Arrays.asList(path.split(File.pathSeparator)).contains(binary.get().getParent().toString());
    return binary.isEmpty() || onPath ? "temporal" : binary.get().toString();
  }

  private synchronized <T extends AutoCloseable> T remember(String what, T resource) throws Exception {
    if (stopping) {
      resource.close(); // started after Ctrl-C: stop it at once
      throw new InterruptedException("the demo is stopping");
    }
    running.removeIf(r -> r.stop() == resource); // remembered again: it now stops earlier
    running.push(new Started(what, resource));
    return resource;
  }

  /** Stops a remembered resource now, ahead of the others. */
  private synchronized void stopNow(AutoCloseable resource) throws Exception {
    running.removeIf(r -> r.stop() == resource);
    resource.close();
  }

  /**
   * The archiver first (it uploads what it holds, its slot is dropped), then green (PgBouncer, then
   * the restored cluster), the worker (running tasks get {@link #WORKER_GRACE}), the client,
   * Temporal, and blue last. Says what it stops and how long each took.
   */
  private synchronized void stopAll(PrintWriter out) {
    if (running.isEmpty()) {
      return;
    }
    step(out, "stopping the WAL archiver, the worker, Temporal, PgBouncer and PostgreSQL");
    long all = System.nanoTime();
    while (!running.isEmpty()) {
      Started r = running.pop();
      long one = System.nanoTime();
      try {
        r.stop().close();
        out.println(String.format("  stopped %s (%.1f s)", r.what(), (System.nanoTime() - one) / 1e9));
      } catch (Exception e) {
        err().println("while stopping " + r.what() + ": " + e.getMessage());
      }
      out.flush();
    }
    out.println(String.format("  everything stopped after %.1f s", (System.nanoTime() - all) / 1e9));
    out.flush();
  }

  /**
   * Stops the WAL archiver as {@code runbooks wal archive stop} does and waits up to {@link
   * #ARCHIVER_STOP} for it to upload what it holds and end (then terminates it), and drops its
   * replication slot on the server the target lives on now, so no WAL piles up behind a slot nobody
   * reads. Once only: later calls do nothing.
   */
  private void stopArchiver(PrintWriter out, WorkflowClient client, TargetResources resources, String slot) throws Exception {
    if (archiverStopped.getAndSet(true)) {
      return;
    }
    DemoRestore.stopArchiving(client, TARGET);
    if (!DemoRestore.awaitArchiverEnded(client, TARGET, ARCHIVER_STOP)) {
      client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId(TARGET)).terminate("the demo stops");
      out.println("  the WAL archiver did not end within " + ARCHIVER_STOP.toSeconds() + " s of its cancel: terminated");
    }
    TargetConfig serving = Promotions.resolver(resources).apply(TARGET);
    String where = serving.connection().host() + ":" + serving.connection().port();
    try {
      out.println(DemoRestore.dropSlot(serving, slot)
          ? "  replication slot " + slot + " dropped on " + where
          : "  no replication slot " + slot + " left on " + where);
    } catch (SQLException | RuntimeException e) {
      out.println("  could not drop replication slot " + slot + " on " + where + " (" + e.getMessage() + "); drop it with: psql -h "
          + serving.connection().host() + " -p " + serving.connection().port() + " -U " + serving.connection().user()
          + " -c \"SELECT pg_drop_replication_slot('" + slot + "')\"");
    }
  }

  /** Waits for Ctrl-C; the shutdown hook registered in {@link #call()} stops everything in order. */
  private void awaitCtrlC() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException stopping) {
      // Ctrl-C: the hook interrupted us and stops everything; nothing to report
    }
  }

  static void step(PrintWriter out, String what) {
    out.println("==> " + what);
    out.flush();
  }
}
