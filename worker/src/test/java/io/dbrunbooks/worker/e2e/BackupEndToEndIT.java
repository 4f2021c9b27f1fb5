package io.dbrunbooks.worker.e2e;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.config.WalArchiveConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.pgbouncer.Backend;
import io.dbrunbooks.activities.pgbouncer.LandedLoad;
import io.dbrunbooks.activities.pgbouncer.LocalPgBouncer;
import io.dbrunbooks.activities.pgbouncer.PgBouncerSwitch;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.activities.restore.RestoreServing;
import io.dbrunbooks.workflows.restore.Approval;
import io.dbrunbooks.workflows.restore.DecommissionResult;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.dbrunbooks.workflows.restore.SwitchoverOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverReport;
import java.util.concurrent.CompletableFuture;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionResult;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.dbrunbooks.activities.evidence.AuditChain;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupProgress;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.CanceledFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, as an operator would run it: the real {@code temporal server start-dev}, the worker
 * as its own JVM from the shaded jar, a throwaway PostgreSQL cluster, and runs started with the
 * {@code temporal} CLI exactly as README.md and docs/ show.
 *
 * <p>One dev server, cluster and worker for the whole class (the machine has two cores). The
 * target is throttled ({@code maxBackupRate}) so a backup lasts long enough to be killed or
 * canceled in the middle of the stream.
 *
 * <p>Re-record the replay histories in {@code workflows/src/test/resources/histories/} with
 * {@code ./mvnw -B verify -pl worker -am -Drecord.histories=true}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupEndToEndIT {
  static final String TARGET = "orders";
  static final String WORKFLOW_ID = BackupWorkflow.workflowId(TARGET);
  /** Slow enough that a ~100 MB base backup takes several seconds; the kill and cancel tests need that. */
  static final String RATE = "16MiB/s";
  static final long RATE_BYTES = 16L << 20;
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

  @TempDir static Path tmp;
  static Path temporalBinary;
  static Path storeDir;
  static Path evidenceDir;
  static Path targetsFile;
  static Path workerLog;
  static Path slowFetch;
  static LocalKeyring keyring;
  static LocalCluster cluster;
  static EmbeddedTemporal server;
  static int port;
  static WorkflowServiceStubs service;
  static WorkflowClient client;
  static Process worker;
  static final List<Process> workers = new ArrayList<>();
  static LocalPgBouncer pgbouncer;
  static LandedLoad load;
  static String appPassword;
  static Path appPasswordFile;

  @BeforeAll
  static void startEverything() throws Exception {
    // The postgres user (LocalCluster under root) must be able to reach into the temp dir.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    temporalBinary = EmbeddedTemporal.findTemporalBinary(System.getenv()).orElseThrow(() -> new AssertionError(
        "the end-to-end tests need the temporal CLI on PATH, in TEMPORAL_CLI or in ~/.cache/db-runbooks/bin (./run-tests installs it: scripts/prerequisites.sh --tests)"));
    assertTrue(Files.isRegularFile(workerJar()), "the shaded worker jar must be packaged before the ITs run: " + workerJar());

    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase(TARGET);
    cluster.sql(TARGET,
        "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text)",
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(12,2), note text)",
        "CREATE TABLE order_lines (order_id bigint REFERENCES orders, sku text, qty int, payload text)",
        "INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g",
        "INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 20000, g * 1.5, md5(g::text) FROM generate_series(1, 200000) g",
        // ~70 MB of incompressible-ish rows: the backup must stream for a while under the rate limit.
        "INSERT INTO order_lines SELECT 1 + g % 200000, 'sku-' || (g % 97), g % 7, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text)"
            + " FROM generate_series(1, 500000) g",
        "CHECKPOINT");
    // The application reaches orders through PgBouncer as orders_app; the switchover tests move it.
    byte[] random = new byte[16];
    new java.security.SecureRandom().nextBytes(random);
    appPassword = java.util.HexFormat.of().formatHex(random);
    cluster.sql(TARGET, "CREATE ROLE orders_app LOGIN PASSWORD '" + appPassword + "'");
    PgTools.Result init = PgTools.locate().run("pgbench", List.of("-i", "-s", "1", "-q", "-h", "127.0.0.1", "-p",
        String.valueOf(cluster.port()), "-U", LocalCluster.SUPERUSER, TARGET), Files.readString(cluster.passwordFile()).strip());
    assertEquals(0, init.exitCode(), init.stderr());
    cluster.sql(TARGET, LandedLoad.TABLE,
        "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO orders_app",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO orders_app");
    appPasswordFile = tmp.resolve("orders-app-password");
    Files.writeString(appPasswordFile, appPassword + "\n");
    pgbouncer = LocalPgBouncer.start(tmp.resolve("pgbouncer"), Map.of(TARGET, new Backend("127.0.0.1", cluster.port(), TARGET)),
        Map.of("orders_app", LocalPgBouncer.scramSecret(cluster, "orders_app")));
    load = new LandedLoad(tmp, pgbouncer, TARGET, "orders_app", appPassword);

    storeDir = tmp.resolve("store");
    evidenceDir = tmp.resolve("evidence");
    keyring = LocalKeyring.create(tmp.resolve("keyring.json"));
    targetsFile = tmp.resolve("targets.yaml");
    Files.writeString(targetsFile, String.join("\n",
        "targets:",
        "  " + TARGET + ":",
        "    engine: postgres",
        "    connection:",
        "      host: 127.0.0.1",
        "      port: " + cluster.port(),
        "      database: " + TARGET,
        "      user: " + LocalCluster.SUPERUSER,
        "      password: { file: " + cluster.passwordFile() + " }",
        "      sslmode: disable",
        "    backupStore: file:" + storeDir,
        "    evidence: file:" + evidenceDir,
        "    keys: { keyring: " + keyring.path() + " }",
        "    maxBackupRate: " + RATE,
        "    restore: { directory: " + tmp.resolve("restores") + " }",
        // Every backup but the newest expires: retention after each backup has work to do.
        "    retention: { recoveryWindowDays: 0, minFullBackups: 1 }",
        "    pgbouncer:",
        "      host: 127.0.0.1",
        "      port: " + pgbouncer.port(),
        "      sslmode: disable",
        "      admin: { user: " + LocalPgBouncer.ADMIN_USER + ", password: { file: " + pgbouncer.adminPasswordFile() + " } }",
        "      databasesFile: " + pgbouncer.databasesFile(),
        "      database: " + TARGET,
        // Long enough to outlast a killed worker: the switch test holds PAUSE open across the kill.
        "      pauseTimeoutSeconds: 90",
        "      healthCheck: { user: orders_app, password: { file: " + appPasswordFile + " }, query: SELECT count(*) FROM pgbench_branches }",
        "    switchover:",
        "      approvers: [bob, carol]",
        "      approvalTimeoutMinutes: 10",
        "      bakeMinutes: 0.5",
        "      healthCheckIntervalSeconds: 1",
        "      keepBlueDays: 0",
        ""));
    // The restored server runs as postgres under root, and so does its restore_command, which
    // unwraps data keys with this keyring. Each WAL fetch sleeps a little first, so replay lasts
    // long enough to kill the worker in the middle of it.
    io.dbrunbooks.activities.postgres.PgTools.handToServerUser(keyring.path());
    slowFetch = tmp.resolve("slow-wal-fetch.sh");
    Files.writeString(slowFetch, "#!/bin/sh\nsleep 3\nexec " + Path.of(System.getProperty("java.home"), "bin", "java")
        + " -XX:TieredStopAtLevel=1 -cp " + workerJar() + " io.dbrunbooks.activities.wal.WalFetchMain \"$@\"\n");
    Files.setPosixFilePermissions(slowFetch, PosixFilePermissions.fromString("rwxr-xr-x"));

    port = freePort();
    server = EmbeddedTemporal.startDevServer(temporalBinary, tmp.resolve("temporal"), port, freePort());
    service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workerLog = tmp.resolve("worker.log");
    worker = startWorker();
  }

  @AfterAll
  static void stopEverything() throws Exception {
    for (Process p : workers) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    if (pgbouncer != null) {
      pgbouncer.close();
    }
    if (cluster != null && Files.exists(cluster.dataDirectory().resolve("PG_VERSION"))) {
      cluster.close(); // the last switchover test stops blue and removes its data directory
    }
  }

  // ---- a. the README example ----------------------------------------------------------------

  @Test
  @Order(1)
  void readmeExampleTakesAVerifiedSealedBackup() throws Exception {
    CliResult start = runReadmeCommand();
    assertEquals(0, start.exit(), () -> "README command failed:\n" + start.output());

    BackupResult result = awaitResult(WORKFLOW_ID, BackupResult.class);
    assertEquals(TARGET, result.target());
    assertEquals(BackupMethod.PHYSICAL, result.method());
    assertTrue(result.artifact().storedBytes() > 0);
    assertTrue(result.artifact().sourceBytes() > 50L << 20, "the whole cluster was read: " + result.artifact().sourceBytes());
    // The rate limit held: reading N bytes at R bytes/s takes at least N/R seconds.
    double streamedSeconds = Duration.between(Instant.parse(result.artifact().startedAt()),
        Instant.parse(result.artifact().finishedAt())).toMillis() / 1000.0;
    assertTrue(streamedSeconds >= result.artifact().sourceBytes() / (double) RATE_BYTES * 0.95,
        "maxBackupRate " + RATE + " not honoured: " + result.artifact().sourceBytes() + " bytes in " + streamedSeconds + " s");

    // The sealed manifest records what the README asked for, under a signature the public keys verify.
    Path manifest = evidenceDir.resolve(EvidenceVerifier.manifestPath(TARGET, result.backupId()));
    assertTrue(Files.isRegularFile(manifest), "sealed manifest " + manifest);
    JsonNode sealed = new ObjectMapper().readTree(Jws.verify(Files.readString(manifest), keyring.publicKeySet()).payload());
    assertEquals(result.backupId(), sealed.path("backupId").asText());
    assertEquals(WORKFLOW_ID, sealed.path("workflowId").asText());
    assertEquals("alice", sealed.path("operator").asText());
    assertEquals("CHG-1234", sealed.path("ticket").asText());
    assertEquals("physical", sealed.path("method").asText());
    assertEvidenceVerifies(result.backupId());
    assertEquals(List.of(TARGET + "/" + result.backupId() + "/base.tar.zst.aes"), storeFiles(result.backupId()));

    recordHistory(WORKFLOW_ID, "backup-physical-success.json");
  }

  // ---- d. one backup per target at a time ---------------------------------------------------

  @Test
  @Order(2)
  void secondReadmeStartWhileRunningIsRefused() throws Exception {
    CliResult first = runReadmeCommand();
    assertEquals(0, first.exit(), first::output);
    try {
      CliResult second = runReadmeCommand();
      assertNotEquals(0, second.exit(), () -> "second start must fail:\n" + second.output());
      String out = second.output().toLowerCase();
      assertTrue(out.contains("already started") || out.contains("already running"), () -> "unclear answer:\n" + second.output());
    } finally {
      // Leave no run behind for the next test.
      awaitResult(WORKFLOW_ID, BackupResult.class);
    }
  }

  // ---- b. kill -9 in the middle of the backup step ------------------------------------------

  @Test
  @Order(3)
  void killedWorkerMidBackupAnotherOneFinishesWithOneCleanArtifact() throws Exception {
    WorkflowExecution run = startBackup();
    long bytes = awaitTakeBackupHeartbeat(run);
    assertTrue(bytes > 0);
    String backupId = query(run).backupId();
    Path backupDir = storeDir.resolve(TARGET).resolve(backupId);

    worker.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
    assertTrue(worker.waitFor(30, TimeUnit.SECONDS), "worker did not die");
    assertEquals(137, worker.exitValue(), "killed by SIGKILL");
    // Each upload writes its own base.tar.zst.aes.<token>.partial.
    assertTrue(partialsInStore().stream().anyMatch(p -> p.getParent().equals(backupDir)
        && p.getFileName().toString().matches("base\\.tar\\.zst\\.aes\\.[0-9a-f]{16}\\.partial")),
        "the killed attempt left its partial upload in " + backupDir + ": " + partialsInStore());
    assertFalse(Files.exists(storeDir.resolve(TARGET).resolve(backupId).resolve("base.tar.zst.aes")), "no complete artifact yet");

    worker = startWorker();
    BackupResult result = awaitResult(run, BackupResult.class);
    assertEquals(backupId, result.backupId(), "the retry starts over under the same backup id");

    assertEquals(List.of(TARGET + "/" + backupId + "/base.tar.zst.aes"), storeFiles(backupId), "exactly one artifact");
    assertEquals(List.of(), partialsInStore(), "no partial upload left anywhere in the store");
    assertEvidenceVerifies(backupId);
    assertEquals(2, takeBackupAttempts(run), "one killed attempt, one that finished");
    recordHistory(run.getWorkflowId(), "backup-physical-worker-killed.json");
  }

  // ---- c. cancel in the middle of the backup step -------------------------------------------

  @Test
  @Order(4)
  void canceledMidBackupLeavesNoArtifactAndRecordsTheFailure() throws Exception {
    WorkflowExecution run = startBackup();
    awaitTakeBackupHeartbeat(run);
    String backupId = query(run).backupId();

    client.newUntypedWorkflowStub(run, Optional.empty()).cancel();
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> awaitResult(run, BackupResult.class));
    assertInstanceOf(CanceledFailure.class, e.getCause(), () -> "expected a canceled run, got " + e);
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, describe(run).getWorkflowExecutionInfo().getStatus());

    Path backupDir = storeDir.resolve(TARGET).resolve(backupId);
    assertTrue(!Files.exists(backupDir) || listFiles(backupDir).isEmpty(), () -> "left behind: " + listFiles(backupDir));
    assertEquals(List.of(), partialsInStore());

    String chain = EvidenceVerifier.chainOf(TARGET, backupId);
    FileEvidenceRegistry registry = new FileEvidenceRegistry(evidenceDir);
    AuditChain.Head head = new AuditChain(registry).verify(chain);
    JsonNode last = new ObjectMapper().readTree(registry.get(AuditChain.entryPath(chain, head.sequence())).orElseThrow());
    assertEquals("backup.failed", last.path("event").path("action").asText(), last::toString);
    assertEquals("BACKUP", last.path("event").path("metadata").path("phase").asText(), last::toString);
    recordHistory(run.getWorkflowId(), "backup-failed-canceled.json");
  }

  // ---- e. bad input: a target the worker does not know --------------------------------------

  @Test
  @Order(5)
  void unknownTargetFailsNamingItAndTheConfiguredOnes() throws Exception {
    String unknown = "nosuch";
    WorkflowExecution run = WorkflowClient.start(
        client.newWorkflowStub(BackupWorkflow.class, options(BackupWorkflow.workflowId(unknown)))::run,
        RunbookInput.of(new BackupRequest(unknown, BackupMethod.PHYSICAL, "alice", "CHG-1234", null)));
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> awaitResult(run, BackupResult.class));
    String messages = messages(e);
    assertTrue(messages.contains("unknown target '" + unknown + "'"), () -> "should name the unknown target: " + messages);
    assertTrue(messages.contains("defines " + TARGET), () -> "should list the configured targets: " + messages);

    assertFalse(Files.exists(storeDir.resolve(unknown)), "nothing in the store for " + unknown);
    assertFalse(Files.exists(evidenceDir.resolve(unknown)), "nothing in the evidence registry for " + unknown);
    recordHistory(run.getWorkflowId(), "backup-failed-unknown-target.json");
  }

  // ---- e. WAL archive and point-in-time restore, kill -9 during WAL replay ----------------------

  @Test
  @Order(10)
  void readmeRestoreToATimeSurvivesAWorkerKilledDuringReplayAndTheArchiveHasNoGap() throws Exception {
    String archiveId = startArchiverWithTheReadmeCommand();

    // A base backup while the archiver runs, then writes: one row per transaction around the
    // recovery point, and enough bulk WAL in between that replay takes several fetches.
    WorkflowExecution backupRun = startBackup();
    BackupResult backup = awaitResult(WORKFLOW_ID, BackupResult.class);
    recordHistory(backupRun, "histories", "backup-physical-success-retention-started.json");
    assertRetentionAfterBackupExpiredTheOlderBackups(backupRun, backup);
    cluster.sql(TARGET, "CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), note text)");
    for (int i = 0; i < 30; i++) {
      cluster.sql(TARGET, "INSERT INTO events (note) VALUES ('before " + i + "')");
    }
    cluster.sql(TARGET, "INSERT INTO order_lines SELECT 1 + g % 200000, 'bulk', 1, md5(g::text) || md5((g + 1)::text)"
        + " FROM generate_series(1, 400000) g");
    cluster.sql(TARGET, "INSERT INTO events (note) VALUES ('last before the point')");
    Instant point = Instant.parse(psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
    for (int i = 0; i < 30; i++) {
      cluster.sql(TARGET, "INSERT INTO events (note) VALUES ('after " + i + "')");
    }
    long expected = Long.parseLong(psql("SELECT count(*) FROM events WHERE at <= '" + point + "'"));
    Lsn end = Lsn.parse(psql("SELECT pg_current_wal_lsn()::text"));
    WalArchive archive = awaitArchived(end);

    // The README's restore example, with its recovery time replaced by the point chosen above.
    String restoreId = PointInTimeRestoreWorkflow.workflowId(TARGET);
    String command = readmeStartCommand(restoreId).replaceFirst("\"value\": \"[^\"]+\"", "\"value\": \"" + point + "\"");
    CliResult restoring = bash(command);
    assertEquals(0, restoring.exit(), () -> "README restore command failed:\n" + command + "\n" + restoring.output());
    WorkflowExecution run = client.newUntypedWorkflowStub(restoreId).describe().getExecution();
    awaitPendingActivity(run, "RecoverToTarget");
    Thread.sleep(1500); // a fetch or two into the replay
    worker.destroyForcibly();
    assertTrue(worker.waitFor(30, TimeUnit.SECONDS), "worker did not die");
    worker = startWorker();

    RestoreResult result = awaitResult(run, RestoreResult.class);
    assertTrue(attempts(run, "RecoverToTarget") >= 2, "the killed worker's replay was retried by the new one");
    try {
      assertEquals(backup.backupId(), result.plan().backupId(), "the newest backup before the point");
      assertTrue(Instant.parse(result.recovered().lastTransactionTime()).compareTo(point) <= 0, result.recovered().toString());
      String restored = restoredPsql(result.environment().port(), "SELECT count(*) || ' ' || count(*) FILTER (WHERE at > '"
          + point + "') FROM events");
      assertEquals(expected + " 0", restored, "every row committed by " + point + " and none after it");
      assertTrue(result.checks().passed(), result.checks().failures().toString());
      assertTrue(Files.isRegularFile(evidenceDir.resolve(TARGET + "/restores/" + result.restoreId() + "/manifest.jws")));
    } finally {
      new RestoreActivitiesImpl(TargetsConfigLoader.load(targetsFile), t -> new FileBackupStore(storeDir),
          t -> new FileEvidenceRegistry(evidenceDir), t -> keyring).teardown(new TeardownRequest(TARGET, result.restoreId()));
    }
    recordHistory(restoreId, "restore-histories", "restore-time-worker-killed.json");

    // The archiver lived on the killed worker too: the new one resumed from the slot, with no gap.
    Lsn now = Lsn.parse(psql("SELECT pg_current_wal_lsn()::text"));
    WalListing listing = archive.list();
    assertEquals(List.of(), listing.gaps(1).stream().map(g -> g[0] + ".." + g[1]).toList(), "gaps in the WAL archive");
    assertEquals(Optional.empty(), listing.firstMissing(1, Lsn.parse(backup.artifact().startLsn()), end));
    client.newUntypedWorkflowStub(archiveId).cancel();
    WorkflowFailedException stopped = assertThrows(WorkflowFailedException.class,
        () -> client.newUntypedWorkflowStub(archiveId).getResult(60, TimeUnit.SECONDS, Object.class));
    assertInstanceOf(CanceledFailure.class, stopped.getCause(), "stop is a cancel: " + messages(stopped));
    assertTrue(now.compareTo(end) >= 0);
    recordHistory(archiveId, "walarchive-histories", "wal-archive-stopped.json");
  }

  // ---- c. blue-green switchover through PgBouncer ----------------------------------------------

  /**
   * The README's promote restore, approved with the README's update after the initiator's own
   * approval was rejected, takes the traffic of PgBouncer's alias while pgbench writes through it,
   * and the README's rollback signal puts it back on blue: pgbench sees no failed transaction.
   */
  @Test
  @Order(20)
  void readmePromoteRestoreRollsBackUnderPgbenchWithoutAFailedTransaction() throws Exception {
    startArchiverWithTheReadmeCommand();
    Instant point = archivedPoint();

    String command = docsCommand("docs/switchover.md", "temporal workflow start", "\"mode\": \"promote\"")
        .replaceFirst("\"value\": \"[^\"]+\"", "\"value\": \"" + point + "\"");
    CliResult started = bash(command);
    assertEquals(0, started.exit(), () -> "README promote command failed:\n" + command + "\n" + started.output());
    WorkflowExecution run = client.newUntypedWorkflowStub(PointInTimeRestoreWorkflow.workflowId(TARGET)).describe().getExecution();
    awaitRestorePhase(run, RestorePhase.AWAIT_APPROVAL);

    String approve = docsCommand("docs/switchover.md", "temporal workflow update execute", "--name approve ");
    CliResult own = bash(approve.replace("\"approver\": \"bob\"", "\"approver\": \"alice\""));
    assertNotEquals(0, own.exit(), own.output());
    assertTrue(own.output().contains("alice started this restore and cannot approve"), own.output());

    long before = load.maxId(cluster);
    CompletableFuture<PgTools.Result> bench = load.pgbench(8, 45);
    load.awaitClients(cluster, before, 8);
    CliResult approved = bash(approve);
    assertEquals(0, approved.exit(), () -> approve + "\n" + approved.output());
    RestoreProgress baking = awaitRestorePhase(run, RestorePhase.BAKE);
    int greenPort = baking.switchover().state().green().port();
    await("all 8 pgbench clients landing on green", Duration.ofSeconds(30), () ->
        landedOn(greenPort, greenPort) >= 8 ? true : null);

    CliResult rollback = bash(docsCommand("docs/switchover.md", "temporal workflow signal", "--name rollback"));
    assertEquals(0, rollback.exit(), rollback.output());
    RestoreResult result = awaitResult(run, RestoreResult.class);

    assertEquals(SwitchoverOutcome.ROLLED_BACK, result.switchover().outcome());
    assertEquals("rollback by bob: checkout errors since the switch", result.switchover().stopRequest());
    long afterRollback = load.maxId(cluster);
    load.awaitClients(cluster, afterRollback, 8);
    PgTools.Result r = bench.get(90, TimeUnit.SECONDS);
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stdout().contains("number of failed transactions: 0 "), r.stdout());
    assertEquals(cluster.port(), new PgBouncerSwitch(TargetsConfigLoader.load(targetsFile).target(TARGET).pgbouncer()).state()
        .running().port(), "PgBouncer sends the alias to blue again");
    assertFalse(Files.exists(tmp.resolve("restores").resolve(result.restoreId())), "green torn down");
    recordHistory(run, "restore-histories", "restore-promote-rolled-back.json");
  }

  /**
   * A promote restore whose worker is killed while the switch waits in PAUSE for an open
   * transaction: a new worker finishes the switch, pgbench sees no failed transaction, the bake
   * passes, blue is stopped, and the README's approve-decommission removes it. The target follows
   * the promotion without an edit to the targets file: the WAL archiver, left running throughout,
   * archives green's new timeline from its branch point, and the README's backup is taken of green.
   */
  @Test
  @Order(21)
  void promoteSurvivesAWorkerKilledDuringTheSwitchThenBlueIsStoppedAndDecommissioned() throws Exception {
    Instant point = archivedPoint(); // the archiver started by the previous test keeps running
    PointInTimeRestoreWorkflow restore = client.newWorkflowStub(PointInTimeRestoreWorkflow.class,
        options(PointInTimeRestoreWorkflow.workflowId(TARGET)));
    WorkflowExecution run = WorkflowClient.start(restore::run, RunbookInput.of(new RestoreRequest(TARGET, RecoveryTarget.time(point.toString()),
        null, RestoreMode.PROMOTE, List.of(new SmokeQuery(null, null, "SELECT count(*) FROM landed")), false, false, "alice",
        "INC-79")));
    awaitRestorePhase(run, RestorePhase.AWAIT_APPROVAL);

    long before = load.maxId(cluster);
    CompletableFuture<PgTools.Result> bench = load.pgbench(8, 50);
    load.awaitClients(cluster, before, 8);
    java.util.Properties app = new java.util.Properties();
    app.setProperty("user", "orders_app");
    app.setProperty("password", appPassword);
    app.setProperty("prepareThreshold", "0");
    try (java.sql.Connection held = java.sql.DriverManager.getConnection(pgbouncer.jdbcUrl(TARGET), app)) {
      // An open transaction: the switch's PAUSE waits for it, long enough to kill the worker mid-switch.
      held.setAutoCommit(false);
      held.createStatement().execute("UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1");
      client.newWorkflowStub(PointInTimeRestoreWorkflow.class, run.getWorkflowId()).approve(new Approval("carol", "kill test"));
      awaitPendingActivity(run, "SwitchTraffic");
      Thread.sleep(1000);
      worker.destroyForcibly();
      assertTrue(worker.waitFor(30, TimeUnit.SECONDS), "worker did not die");
      worker = startWorker();
      held.commit();
    }

    RestoreResult result = awaitResult(run, RestoreResult.class);
    SwitchoverReport s = result.switchover();
    assertEquals(SwitchoverOutcome.PROMOTED, s.outcome());
    assertTrue(attempts(run, "SwitchTraffic") >= 2, "the killed worker's switch was retried by the new one");
    int greenPort = s.state().green().port();
    assertEquals(greenPort, new PgBouncerSwitch(TargetsConfigLoader.load(targetsFile).target(TARGET).pgbouncer()).state()
        .running().port(), "PgBouncer sends the alias to green");
    PgTools.Result r = bench.get(90, TimeUnit.SECONDS);
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stdout().contains("number of failed transactions: 0 "), r.stdout());
    assertTrue(landedOn(greenPort, greenPort) > 0, "pgbench wrote on green after the switch");
    assertTrue(s.blueStopped().wasRunning());
    assertFalse(Files.exists(cluster.dataDirectory().resolve("postmaster.pid")), "blue is stopped");
    assertTrue(Files.isRegularFile(evidenceDir.resolve(TARGET + "/restores/" + result.restoreId() + "/switchover-manifest.jws")));
    recordHistory(run, "restore-histories", "restore-promote-worker-killed.json");
    assertTargetFollowsThePromotionTo(greenPort);

    String decommissionId = s.decommissionWorkflowId();
    String approve = docsCommand("docs/switchover.md", "temporal workflow update execute", "--name approve-decommission")
        .replaceFirst("decommission/\\S+", decommissionId);
    CliResult approved = bash(approve);
    assertEquals(0, approved.exit(), () -> approve + "\n" + approved.output());
    DecommissionResult removed = awaitResult(decommissionId, DecommissionResult.class);
    assertEquals(List.of(cluster.dataDirectory().toString()), removed.removed());
    assertFalse(Files.exists(cluster.dataDirectory().resolve("PG_VERSION")), "blue's data directory is gone");
    recordHistory(decommissionId, "decommission-histories", "decommission-removed.json");
    // Green serves the alias now. The test is over: take it out of service by hand, as an operator
    // retiring it would, and tear it down.
    TargetsConfig config = TargetsConfigLoader.load(targetsFile);
    assertTrue(RestoreServing.isServing(config.target(TARGET), result.restoreId()), "green carries its SERVING marker");
    RestoreServing.clear(config.target(TARGET), result.restoreId());
    new RestoreActivitiesImpl(config, t -> new FileBackupStore(storeDir), t -> new FileEvidenceRegistry(evidenceDir), t -> keyring)
        .teardown(new TeardownRequest(TARGET, result.restoreId()));
  }

  /**
   * After a promotion the WAL archiver, still running, streams green: its new timeline's history is
   * archived and its WAL is archived without a break from the branch point to green's current LSN,
   * with no gap anywhere in the archive. Then the README's backup command backs up green.
   */
  static void assertTargetFollowsThePromotionTo(int greenPort) throws Exception {
    String slot = WalArchiveConfig.defaultSlot(TARGET);
    await("the WAL archiver streaming from green through slot " + slot, Duration.ofSeconds(120), () ->
        "1".equals(quietly(() -> restoredPsql(greenPort,
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active"))) ? true : null);
    restoredPsql(greenPort, "INSERT INTO landed (client, port) VALUES (0, " + greenPort + ") RETURNING id");
    Lsn greenEnd = Lsn.parse(restoredPsql(greenPort, "SELECT pg_current_wal_lsn()::text"));
    int timeline = Integer.parseInt(restoredPsql(greenPort, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
    assertTrue(timeline > 1, "green runs on a new timeline, not " + timeline);
    WalArchive archive = new WalArchive(new FileBackupStore(storeDir), keyring, TARGET);
    Lsn[] branch = {null};
    await("green's WAL archived on timeline " + timeline + " to " + greenEnd, Duration.ofSeconds(120), () -> {
      WalListing listing = quietly(archive::list);
      if (!listing.histories().containsKey(timeline)) {
        return null;
      }
      if (branch[0] == null) {
        Path history = tmp.resolve(String.format("%08X.history", timeline));
        assertTrue(quietly(() -> archive.fetch(history.getFileName().toString(), history)));
        branch[0] = io.dbrunbooks.activities.wal.WalVerifier.Branch.parse(quietly(() -> Files.readString(history))).switchPoint();
      }
      Lsn end = listing.archivedEnd(timeline, branch[0]);
      return end != null && end.compareTo(greenEnd) >= 0 ? true : null;
    });
    io.dbrunbooks.activities.wal.WalVerifier.Report verified = new io.dbrunbooks.activities.wal.WalVerifier(archive).verify(false);
    assertTrue(verified.ok(), "the archive has no gap and no timeline break: " + verified.problems());

    CliResult started = runReadmeCommand();
    assertEquals(0, started.exit(), () -> "README backup command failed:\n" + started.output());
    BackupResult backup = awaitResult(WORKFLOW_ID, BackupResult.class);
    JsonNode sealed = new ObjectMapper().readTree(Jws.verify(Files.readString(
        evidenceDir.resolve(EvidenceVerifier.manifestPath(TARGET, backup.backupId()))), keyring.publicKeySet()).payload());
    assertEquals(timeline, sealed.path("artifact").path("timeline").asInt(), "the backup was taken of green: " + sealed);
    client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId(TARGET)).cancel();
  }

  interface Probe<T> {
    T get() throws Exception;
  }

  static <T> T quietly(Probe<T> probe) {
    try {
      return probe.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts {@code wal-archive/orders} with the README's command and waits until its slot is in use; returns the workflow id. */
  static String startArchiverWithTheReadmeCommand() throws Exception {
    String archiveId = WalArchiveWorkflow.workflowId(TARGET);
    CliResult archiving = bash(readmeStartCommand(archiveId));
    assertEquals(0, archiving.exit(), () -> "README WAL archive command failed:\n" + archiving.output());
    String slot = WalArchiveConfig.defaultSlot(TARGET);
    await("replication slot " + slot + " in use", Duration.ofSeconds(60), () ->
        psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active").equals("1") ? true : null);
    return archiveId;
  }

  /** Waits until the WAL archive of timeline 1 holds everything up to {@code end}; returns the archive. */
  static WalArchive awaitArchived(Lsn end) {
    WalArchive archive = new WalArchive(new FileBackupStore(storeDir), keyring, TARGET);
    await("the WAL archive to reach " + end, Duration.ofSeconds(60), () -> {
      try {
        Lsn archived = archive.list().archivedEnd(1, end);
        return archived != null && archived.compareTo(end) >= 0 ? true : null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    return archive;
  }

  /** Writes a row, takes the time after it, and waits until the WAL archive holds it: a point a restore can reach. */
  static Instant archivedPoint() throws Exception {
    cluster.sql(TARGET, "INSERT INTO landed (client, port) VALUES (0, 0)");
    Instant point = Instant.parse(psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
    cluster.sql(TARGET, "INSERT INTO landed (client, port) VALUES (0, 0)");
    Lsn end = Lsn.parse(psql("SELECT pg_current_wal_lsn()::text"));
    awaitArchived(end);
    return point;
  }

  static RestoreProgress awaitRestorePhase(WorkflowExecution run, RestorePhase phase) {
    return await("restore phase " + phase, Duration.ofSeconds(180), () -> {
      RestoreProgress p = client.newUntypedWorkflowStub(run, Optional.empty()).query("progress", RestoreProgress.class);
      assertNotEquals(RestorePhase.FAILED, p.phase(), () -> "the restore failed: " + p.lastError());
      return p.phase() == phase ? p : null;
    });
  }

  /** Distinct pgbench clients whose transactions landed on the server at {@code port}, counted on the restored cluster. */
  static long landedOn(int restoredPort, int port) {
    try {
      return Long.parseLong(restoredPsql(restoredPort, "SELECT count(DISTINCT client) FROM landed WHERE port = " + port));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The backup started {@code retention/orders} (policy: keep only the newest): every older backup's
   * artifacts are gone, its sealed evidence stays, and the retention run sealed what it removed.
   * Then the README's retention dry run finds nothing more to do.
   */
  static void assertRetentionAfterBackupExpiredTheOlderBackups(WorkflowExecution backupRun, BackupResult newest) throws Exception {
    WorkflowExecution child = null;
    for (HistoryEvent e : client.fetchHistory(backupRun.getWorkflowId(), backupRun.getRunId()).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
        child = e.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
      }
    }
    assertNotNull(child, "the backup started retention/" + TARGET);
    RetentionResult retention = awaitResult(child, RetentionResult.class);
    List<String> expired = retention.outcome().expiredBackups();
    assertFalse(expired.isEmpty(), "the earlier tests' backups are older than the newest: " + retention.plan());
    assertFalse(expired.contains(newest.backupId()), "never the newest backup");
    for (String id : expired) {
      assertEquals(List.of(), storeFiles(id), "artifacts of expired backup " + id);
      assertTrue(Files.isRegularFile(evidenceDir.resolve(EvidenceVerifier.manifestPath(TARGET, id))), "evidence of " + id + " stays");
    }
    assertEquals(List.of(TARGET + "/" + newest.backupId() + "/base.tar.zst.aes"), storeFiles(newest.backupId()));
    assertTrue(Files.isRegularFile(Path.of(java.net.URI.create(retention.manifestLocation()))), retention.manifestLocation());
    recordHistory(child, "retention-histories", "retention-after-backup-expired.json");

    String retentionId = RetentionWorkflow.workflowId(TARGET);
    CliResult dryRun = bash(readmeStartCommand(retentionId));
    assertEquals(0, dryRun.exit(), () -> "README retention command failed:\n" + dryRun.output());
    RetentionResult planned = awaitResult(retentionId, RetentionResult.class);
    assertTrue(planned.dryRun() && planned.plan().nothingToDo(), planned.toString());
    assertEquals(List.of(newest.backupId()), planned.plan().keep().stream().map(RetentionPlan.Backup::backupId).toList());
    recordHistory(retentionId, "retention-histories", "retention-dry-run.json");
  }

  static String psql(String sql) {
    try {
      return cluster.psql(TARGET, sql).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String restoredPsql(int restoredPort, String sql) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + restoredPort + "/" + TARGET,
        LocalCluster.SUPERUSER, Files.readString(cluster.passwordFile()).strip());
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet r = st.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  /** Waits until {@code activityType} is running (started, not merely scheduled) in {@code run}. */
  static void awaitPendingActivity(WorkflowExecution run, String activityType) {
    await(activityType + " running", Duration.ofSeconds(120), () -> {
      for (PendingActivityInfo a : describe(run).getPendingActivitiesList()) {
        if (a.getActivityType().getName().equals(activityType) && a.hasLastStartedTime()) {
          return true;
        }
      }
      assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, describe(run).getWorkflowExecutionInfo().getStatus(),
          "the run ended before " + activityType + " could be interrupted");
      return null;
    });
  }

  // ---- the worker JVM -------------------------------------------------------------------------

  static Path workerJar() {
    return Path.of(System.getProperty("worker.jar", "target/db-runbooks-worker.jar")).toAbsolutePath();
  }

  static Process startWorker() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", workerJar().toString(), "--targets", targetsFile.toString())
        .directory(tmp.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workerLog.toFile()));
    pb.environment().put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
    pb.environment().put("RUNBOOKS_WORK_DIR", tmp.resolve("worker-work").toString());
    pb.environment().put("RUNBOOKS_WAL_FETCH_COMMAND", slowFetch.toString());
    long logStart = Files.exists(workerLog) ? Files.size(workerLog) : 0;
    Process p = pb.start();
    workers.add(p);
    await("worker ready line in " + workerLog, Duration.ofSeconds(60), () -> {
      if (!p.isAlive()) {
        fail("worker exited with " + p.exitValue() + ":\n" + workerLogTail());
      }
      return workerLogSince(logStart).contains("worker ready") ? true : null;
    });
    return p;
  }

  static String workerLogSince(long offset) {
    try {
      byte[] all = Files.readAllBytes(workerLog);
      return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static String workerLogTail() {
    String all = workerLogSince(0);
    return all.substring(Math.max(0, all.length() - 4000));
  }

  // ---- the README command -------------------------------------------------------------------

  record CliResult(int exit, String output) {}

  /** The documentation's {@code temporal workflow start} command for the backup of orders. */
  static String readmeStartCommand() throws IOException {
    return readmeStartCommand(WORKFLOW_ID);
  }

  /**
   * The documentation's {@code temporal workflow start} command for {@code workflowId}, from the
   * runbook's own page: {@code backup/orders} from docs/backup.md, {@code restore/orders} from
   * docs/restore.md, and so on.
   */
  static String readmeStartCommand(String workflowId) throws IOException {
    String page = "docs/" + workflowId.substring(0, workflowId.indexOf('/')) + ".md";
    return docsCommand(page, "temporal workflow start", "--workflow-id " + workflowId + " ", "--workflow-id " + workflowId + "\n");
  }

  /**
   * The first command of {@code page} (relative to the repository) starting with {@code prefix}
   * that contains one of {@code needles}; it runs to the first line that neither ends in a
   * continuation backslash nor leaves a single-quoted argument open.
   */
  static String docsCommand(String page, String prefix, String... needles) throws IOException {
    Path file = Path.of(System.getProperty("repo.root", "..")).resolve(page);
    String text = Files.readString(file);
    Matcher m = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      String block = m.group(1);
      for (int at = block.indexOf(prefix); at >= 0; at = block.indexOf(prefix, at + 1)) {
        StringBuilder cmd = new StringBuilder();
        for (String line : block.substring(at).split("\n")) {
          cmd.append(line).append('\n');
          boolean quoteOpen = cmd.chars().filter(c -> c == '\'').count() % 2 == 1;
          if (!line.stripTrailing().endsWith("\\") && !quoteOpen) {
            break;
          }
        }
        String command = cmd.toString().strip() + "\n";
        for (String needle : needles) {
          if (command.contains(needle)) {
            return command.strip();
          }
        }
      }
    }
    throw new AssertionError(file + " has no ```bash block with a `" + prefix + "` command containing "
        + String.join(" or ", needles) + "; the end-to-end test runs that example exactly as written");
  }

  static CliResult runReadmeCommand() throws Exception {
    return bash(readmeStartCommand());
  }

  static CliResult bash(String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
    pb.environment().put("TEMPORAL_NAMESPACE", "default");
    pb.environment().put("PATH", temporalBinary.toAbsolutePath().getParent() + File.pathSeparator + System.getenv("PATH"));
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("timed out: " + command);
    }
    return new CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  // ---- Temporal helpers -----------------------------------------------------------------------

  static WorkflowOptions options(String workflowId) {
    return WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.RUNBOOKS).setWorkflowId(workflowId).build();
  }

  static WorkflowExecution startBackup() {
    BackupWorkflow wf = client.newWorkflowStub(BackupWorkflow.class, options(WORKFLOW_ID));
    return WorkflowClient.start(wf::run, RunbookInput.of(new BackupRequest(TARGET, BackupMethod.PHYSICAL, "alice", "CHG-1234", null)));
  }

  static <T> T awaitResult(String workflowId, Class<T> type) throws Exception {
    return client.newUntypedWorkflowStub(workflowId).getResult(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS, type);
  }

  static <T> T awaitResult(WorkflowExecution run, Class<T> type) throws Exception {
    return client.newUntypedWorkflowStub(run, Optional.empty()).getResult(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS, type);
  }

  static BackupProgress query(WorkflowExecution run) {
    return client.newUntypedWorkflowStub(run, Optional.empty()).query("progress", BackupProgress.class);
  }

  static DescribeWorkflowExecutionResponse describe(WorkflowExecution run) {
    return service.blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default").setExecution(run).build());
  }

  /** Waits until the TakeBackup activity has heartbeated a byte count above zero; returns it. */
  static long awaitTakeBackupHeartbeat(WorkflowExecution run) {
    return await("TakeBackup heartbeat with bytes > 0", Duration.ofSeconds(60), () -> {
      for (PendingActivityInfo a : describe(run).getPendingActivitiesList()) {
        if (a.getActivityType().getName().equals("TakeBackup") && a.hasHeartbeatDetails()) {
          Long bytes = DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
              0, Optional.of(a.getHeartbeatDetails()), Long.class, Long.class);
          if (bytes != null && bytes > 0) {
            return bytes;
          }
        }
      }
      assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, describe(run).getWorkflowExecutionInfo().getStatus(),
          "the backup ended before it could be interrupted: raise the data size or lower " + RATE);
      return null;
    });
  }

  /** The attempt number of TakeBackup's (last) start, from the run's history. */
  static int takeBackupAttempts(WorkflowExecution run) {
    return attempts(run, "TakeBackup");
  }

  /** The attempt number of {@code activityType}'s (last) start, from the run's history. */
  static int attempts(WorkflowExecution run, String activityType) {
    List<HistoryEvent> events = client.fetchHistory(run.getWorkflowId(), run.getRunId()).getEvents();
    Map<Long, String> scheduled = new HashMap<>();
    int attempts = 0;
    for (HistoryEvent e : events) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.put(e.getEventId(), e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
          && activityType.equals(scheduled.get(e.getActivityTaskStartedEventAttributes().getScheduledEventId()))) {
        attempts = Math.max(attempts, e.getActivityTaskStartedEventAttributes().getAttempt());
      }
    }
    return attempts;
  }

  /**
   * With {@code -Drecord.histories=true}, writes the run's history (JSON) for the replay test in
   * workflows/src/test/resources/{@code histories/}, unless that file exists: a committed history
   * recorded by older code is what proves runs in flight still replay, so it is never replaced
   * silently. Delete a file to record it again.
   */
  static void recordHistory(String workflowId, String fileName) throws IOException {
    recordHistory(workflowId, "histories", fileName);
  }

  /** The same, into {@code directory} under workflows/src/test/resources/, for one run of {@code workflowId}. */
  static void recordHistory(String workflowId, String directory, String fileName) throws IOException {
    recordHistory(WorkflowExecution.newBuilder().setWorkflowId(workflowId).build(), directory, fileName);
  }

  static void recordHistory(WorkflowExecution run, String directory, String fileName) throws IOException {
    if (!Boolean.getBoolean("record.histories")) {
      return;
    }
    Path dir = Path.of(System.getProperty("repo.root", "..")).resolve("workflows/src/test/resources").resolve(directory);
    Files.createDirectories(dir);
    Path file = dir.resolve(fileName);
    if (Files.exists(file)) {
      return;
    }
    String runId = run.getRunId().isEmpty() ? null : run.getRunId();
    Files.writeString(file, client.fetchHistory(run.getWorkflowId(), runId).toJson(true));
  }

  // ---- evidence and store checks --------------------------------------------------------------

  static void assertEvidenceVerifies(String backupId) throws Exception {
    FileEvidenceRegistry registry = new FileEvidenceRegistry(evidenceDir);
    AuditChain.Head head = new AuditChain(registry).verify(EvidenceVerifier.chainOf(TARGET, backupId));
    assertTrue(head.sequence() >= 5, "audit chain has every step: " + head);
    EvidenceVerifier.Report report =
        new EvidenceVerifier(registry, new FileBackupStore(storeDir), keyring.publicKeySet()).verify(TARGET, backupId);
    assertTrue(report.ok(), () -> "evidence verification failed: " + report.failures());
  }

  /** Store keys under {@code <target>/<backupId>/}, partial uploads included. */
  static List<String> storeFiles(String backupId) {
    Path dir = storeDir.resolve(TARGET).resolve(backupId);
    return listFiles(dir).stream().map(p -> storeDir.relativize(p).toString()).toList();
  }

  static List<Path> partialsInStore() throws IOException {
    try (Stream<Path> s = Files.walk(storeDir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
    }
  }

  static List<Path> listFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  // ---- polling --------------------------------------------------------------------------------

  /** Polls {@code probe} every 200 ms until it returns non-null; fails after {@code timeout}. */
  static <T> T await(String what, Duration timeout, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout + " waiting for " + what + "\nworker log:\n" + workerLogTail());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
