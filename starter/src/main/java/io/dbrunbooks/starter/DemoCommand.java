package io.dbrunbooks.starter;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.worker.RunbookWorker;
import io.dbrunbooks.worker.StartupException;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreChecks;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import java.util.List;

import java.io.File;
import java.io.PrintWriter;

import java.nio.file.Path;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks demo}: the backup and restore runbooks on one machine, from nothing. A sandbox
 * PostgreSQL cluster with sample data, a keyring and targets file, the embedded Temporal service, an
 * in-process worker, one physical backup started exactly as {@code backup start} starts it, and an
 * offline verification of its evidence; then continuous WAL archiving, a write load, an accidental
 * delete and a point-in-time restore to the moment before it. Everything lives in the work directory, which a re-run
 * recreates from scratch.
 */
@Command(name = "demo", description = {
    "Run the runbooks end to end in a sandbox: start here.",
    "PostgreSQL with sample data, embedded Temporal, a worker, continuous WAL archiving, a physical backup,",
    "offline evidence verification, then an accidental DELETE undone by a point-in-time restore into an",
    "isolated copy. Everything lives in --work-dir; a re-run starts over.",
    "Needs the PostgreSQL server binaries; uses 127.0.0.1:7233 (and the Web UI on 8233 when the temporal CLI is installed)."})
final class DemoCommand extends CliCommand {
  static final String TARGET = "orders";
  /** Marks a directory as ours, so a re-run only ever deletes what a demo created. */
  static final String MARKER = ".runbooks-demo-workdir";

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = ".runbooks-demo",
      description = "Where the cluster, keys, backups, evidence and Temporal state go (default ./${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--keep-running", description = "Leave PostgreSQL, Temporal and the worker running until Ctrl-C.")
  boolean keepRunning;

  @Option(names = "--temporal-port", hidden = true, defaultValue = "7233")
  int temporalPort;

  @Option(names = "--ui-port", hidden = true, defaultValue = "8233")
  int uiPort;

  private final Deque<AutoCloseable> running = new ArrayDeque<>();
  private volatile boolean stopping;

  @Override
  public Integer call() throws Exception {
    Path dir = workDir.toAbsolutePath().normalize();
    PrintWriter out = out();
    // Before touching anything: a taken port is the most likely failure and needs nothing cleaned up.
    if (!DemoSandbox.portFree(temporalPort)) {
      throw CliFailure.usage("127.0.0.1:" + temporalPort + " is already in use, probably by another Temporal server or a demo"
          + " started with --keep-running. Stop it (a leftover dev server shows up as 'temporal server start-dev') and run the demo again.");
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
        finished.await(30, TimeUnit.SECONDS);
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
      LocalCluster cluster = remember(LocalCluster.start(dir.resolve("postgres")));
      DemoSandbox.loadSampleData(cluster, TARGET);
      out.println("  database " + TARGET + " on 127.0.0.1:" + cluster.port() + ": " + DemoSandbox.rowCounts(cluster, TARGET));

      step(out, "creating a keyring and a targets file");
      LocalKeyring keyring = LocalKeyring.create(dir.resolve("keyring.json"));
      out.println("  keyring " + keyring.path() + " (mode 0600): key-encryption key " + keyring.activeKekId()
          + ", signing key " + keyring.signingKeyId());
      Path targetsFile = DemoSandbox.writeTargets(dir, TARGET, cluster, keyring.path());
      out.println("  targets " + targetsFile + " (password read from " + cluster.passwordFile() + ", mode 0600)");
      TargetsConfig config = TargetsConfigLoader.load(targetsFile, cli().env);

      step(out, "starting Temporal on 127.0.0.1:" + temporalPort);
      EmbeddedTemporal temporal;
      try {
        temporal = remember(EmbeddedTemporal.start(dir.resolve("temporal"), temporalPort, uiPort));
      } catch (StartupException e) {
        throw new CliFailure(e.getMessage().contains("already in use") ? RunbooksCli.EXIT_USAGE : RunbooksCli.EXIT_FAILED,
            "cannot start Temporal: " + e.getMessage(), e);
      }
      out.println("  " + (temporal.kind() == EmbeddedTemporal.Kind.DEV_SERVER
          ? "temporal server start-dev, Web UI " + temporal.uiAddress()
          : "the SDK's Java test server (install the temporal CLI for the Web UI)"));
      TemporalConnection connection = remember(TemporalConnection.local(temporal.address()));
      connection.checkReachable(Duration.ofSeconds(10));

      step(out, "starting a worker on task queue db-runbooks");
      Registrations registrations = Registrations.forConfig(config, cli().env);
      remember(RunbookWorker.start(connection.client(), registrations.workflowTypes(), registrations.activities()));

      String slot = config.target(TARGET).walArchive().slotFor(TARGET);
      step(out, "archiving " + TARGET + "'s WAL continuously (as: runbooks wal archive start --target " + TARGET + ")");
      DemoRestore.startArchiving(connection.client(), cluster, TARGET, slot, Duration.ofSeconds(60));
      // Stopped before the worker (resources close in reverse): the archiver uploads what it holds, then ends.
      remember(() -> DemoRestore.stopArchiving(connection.client(), TARGET));
      out.println("  workflow " + WalArchiveWorkflow.workflowId(TARGET) + " streams over replication slot " + slot
          + " into " + dir.resolve("backups").resolve(TARGET).resolve("wal"));

      step(out, "starting a physical backup of " + TARGET + " (as: runbooks backup start --target " + TARGET + " --operator demo --wait)");
      BackupRuns.Started run = BackupRuns.start(connection.client(),
          new BackupRequest(TARGET, BackupMethod.PHYSICAL, "demo", null, null));
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
      TargetResources resources = new TargetResources(config);
      EvidenceVerifier.Report report = new EvidenceVerifier(resources.evidence(TARGET), resources.store(TARGET),
          resources.keys(TARGET)::verificationKey).verify(TARGET, result.backupId());
      EvidenceVerifyCommand.print(out, report);

      out.println();
      BackupRuns.printSummary(out, result);
      if (!report.ok()) {
        return RunbooksCli.EXIT_FAILED;
      }

      RestoreResult restored = badDay(out, dir, cluster, connection, resources, config);
      if (restored == null) {
        return RunbooksCli.EXIT_FAILED;
      }
      out.println();
      whereNext(out, dir, targetsFile, temporal, result, restored);
      if (keepRunning) {
        out.println();
        out.println("everything keeps running (PostgreSQL on 127.0.0.1:" + cluster.port() + ", Temporal on " + temporal.address()
            + ", the worker); press Ctrl-C to stop it all.");
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
   * The second act: a write load, a DELETE without WHERE, and a point-in-time restore to the moment
   * before it, started as {@code runbooks restore start} starts one. Returns null when it failed.
   */
  private RestoreResult badDay(PrintWriter out, Path dir, LocalCluster cluster, TemporalConnection connection,
      TargetResources resources, TargetsConfig config) throws Exception {
    if (DemoSandbox.isRoot()) {
      // The restored server runs as postgres, and so does its restore_command, which unwraps data keys.
      io.dbrunbooks.activities.postgres.PgTools.handToServerUser(dir.resolve("keyring.json"));
    }
    step(out, "a write load runs: one new order per transaction for 3 s");
    int written = DemoRestore.writeLoad(cluster, TARGET, Duration.ofSeconds(3));
    long itemsBefore = DemoRestore.count(cluster, TARGET, "order_items");
    out.println("  " + written + " orders written; " + DemoSandbox.rowCounts(cluster, TARGET));

    step(out, "an accident: DELETE FROM order_items, without its WHERE clause");
    DemoRestore.Accident accident = DemoRestore.deleteByAccident(cluster, TARGET);
    out.println("  " + accident.rowsDeleted() + " order items deleted; the last good moment was " + accident.before());
    // A fresh cluster runs on timeline 1.
    Duration lag = DemoRestore.awaitArchived(resources, TARGET, accident.walAfter(), 1, Duration.ofSeconds(60));
    out.println(String.format("  the WAL archive held the delete (LSN %s) %.1f s later", accident.walAfter(),
        lag.toMillis() / 1000.0));

    String time = accident.before().toString();
    step(out, "restoring " + TARGET + " to " + time + " into an isolated copy (as: runbooks restore start --target "
        + TARGET + " --time " + time + " --wait)");
    RestoreRequest request = new RestoreRequest(TARGET, RecoveryTarget.time(time), null, RestoreMode.ISOLATED,
        List.of(new SmokeQuery("order items", null, "SELECT count(*) FROM order_items")), false, false, "demo", null);
    BackupRuns.Started run = RestoreRuns.start(connection.client(), request);
    out.println("  workflow " + run.workflowId() + ", run " + run.runId());
    RestoreRuns.Outcome outcome = RestoreRuns.follow(connection.client(), run, Duration.ofMillis(500),
        p -> {
          out.println(RestoreRuns.progressLine(p));
          out.flush();
        },
        problem -> out.println("  " + problem));
    if (!outcome.ok()) {
      err().println("the demo restore failed: " + outcome.failure());
      err().println("PostgreSQL log: " + dir.resolve("postgres/postgres.log") + "; restores: " + dir.resolve("restores"));
      return null;
    }
    RestoreResult r = outcome.result();
    // Stopped with everything else at the end (or at Ctrl-C with --keep-running).
    remember(() -> new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys)
        .teardown(new TeardownRequest(TARGET, r.restoreId())));
    out.println();
    RestoreRuns.printSummary(out, r);
    long itemsRestored = r.checks().rowCounts().stream()
        .filter(t -> t.database().equals(TARGET) && t.table().endsWith("order_items"))
        .mapToLong(RestoreChecks.TableRows::rows).sum();
    out.println(String.format("  order_items: %d before the delete, %d in %s now, %d in the restored copy%s", itemsBefore,
        DemoRestore.count(cluster, TARGET, "order_items"), TARGET, itemsRestored,
        itemsRestored == itemsBefore ? ": every row is back" : ": MISMATCH"));
    return itemsRestored == itemsBefore ? r : null;
  }

  private void whereNext(PrintWriter out, Path dir, Path targetsFile, EmbeddedTemporal temporal, BackupResult result,
      RestoreResult restored) {
    String id = BackupWorkflow.workflowId(TARGET);
    out.println("where to look next:");
    if (temporal.uiAddress() != null) {
      out.println("  Web UI          " + temporal.uiAddress() + "/namespaces/default/workflows" + (keepRunning ? "" : "   (while the demo runs: --keep-running)"));
    }
    out.println("  history         " + temporalCommand() + " workflow show --workflow-id " + id
        + (temporalPort == EmbeddedTemporal.DEFAULT_PORT ? "" : " --address " + temporal.address())
        + (keepRunning ? "" : "   (while the demo runs: --keep-running)"));
    out.println("  catalog         runbooks backups list --target " + TARGET + " --targets " + targetsFile);
    out.println("  evidence        runbooks evidence verify " + result.backupId() + " --targets " + targetsFile);
    out.println("  restored copy   psql -h 127.0.0.1 -p " + restored.environment().port() + " -U postgres " + TARGET
        + (keepRunning ? "" : "   (while the demo runs: --keep-running)"));
    out.println("  restore         runbooks restore status --target " + TARGET
        + (keepRunning ? "" : "   (while the demo runs: --keep-running)"));
    out.println("  WAL archive     runbooks wal verify --target " + TARGET + " --targets " + targetsFile);
    out.println("  files           " + dir + "/{backups,evidence,restores,keyring.json,targets.yaml}");
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

  private synchronized <T extends AutoCloseable> T remember(T resource) throws Exception {
    if (stopping) {
      resource.close(); // started after Ctrl-C: stop it at once
      throw new InterruptedException("the demo is stopping");
    }
    running.push(resource);
    return resource;
  }

  /** Worker first (lets a running task finish), then the client, Temporal, and PostgreSQL last. */
  private synchronized void stopAll(PrintWriter out) {
    if (running.isEmpty()) {
      return;
    }
    step(out, "stopping the worker, Temporal and PostgreSQL");
    while (!running.isEmpty()) {
      AutoCloseable r = running.pop();
      try {
        r.close();
      } catch (Exception e) {
        err().println("while stopping " + r.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    out.flush();
  }

  /** Waits for Ctrl-C; the shutdown hook registered in {@link #call()} stops everything in order. */
  private void awaitCtrlC() throws InterruptedException {
    new CountDownLatch(1).await();
  }

  private static void step(PrintWriter out, String what) {
    out.println("==> " + what);
    out.flush();
  }
}
