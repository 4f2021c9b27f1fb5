package io.dbrunbooks.activities.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.notify.NotifyActivitiesImpl;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.restore.ReadableClasspath;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalArchiveActivitiesImpl;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.activities.wal.WalVerifier;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.backup.BackupWorkflowImpl;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.drill.DrillRequest;
import io.dbrunbooks.workflows.drill.DrillResult;
import io.dbrunbooks.workflows.drill.DrillScenario;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflow;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflowImpl;
import io.dbrunbooks.workflows.drill.SmokeCommand;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflowImpl;
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
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore drills against a real cluster that keeps writing: a row every 100 ms, streamed by the
 * real WAL archiver, one physical backup taken and sealed by the real backup workflow, drills run by
 * the real drill and restore workflows with the real activities, alerts posted to a webhook.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillOnClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static TargetsConfig config;
  static TargetResources resources;
  static TestWorkflowEnvironment env;
  static HttpServer webhook;
  static final List<JsonNode> alerts = new CopyOnWriteArrayList<>();
  static BackupResult backup;
  static Path slowFetch;
  static volatile boolean writing = true;
  static Thread writer;

  @BeforeAll
  static void aWritingTargetWithItsArchiveAndABackup() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path keyring = tmp.resolve("keyring.json");
    LocalKeyring.create(keyring);
    PgTools.handToServerUser(keyring);
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase("orders");
    cluster.sql("orders", "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/hook", x -> {
      alerts.add(JSON.readTree(x.getRequestBody().readAllBytes()));
      x.sendResponseHeaders(204, -1);
      x.close();
    });
    webhook.start();
    Path targets = tmp.resolve("targets.yaml");
    Files.writeString(targets, String.join("\n",
        "objectives:",
        "  staging: { rtoMinutes: 30 }",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: { host: 127.0.0.1, port: " + cluster.port() + ", database: orders, user: postgres,"
            + " password: { file: " + cluster.passwordFile() + " }, sslmode: disable }",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring + " }",
        "    restore: { directory: " + tmp.resolve("restores") + " }",
        "    notifier: { webhook: http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook }",
        "    environment: staging",
        "    drill: { rpoSeconds: 30 }", ""));
    config = TargetsConfigLoader.load(targets);
    resources = new TargetResources(config);
    // A flag file slows each WAL fetch down, so the cancel test finds the restore still running.
    slowFetch = tmp.resolve("slow-fetch");
    RestoreActivitiesImpl restore = new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys,
        PgTools.locate(), "if [ -f " + slowFetch + " ]; then sleep 3; fi; " + ReadableClasspath.fetchProgram(tmp.resolve("classpath")));
    PostgresBackupActivities backups = new PostgresBackupActivities(config, resources::store, resources::keys);

    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, PointInTimeRestoreWorkflowImpl.class,
        RestoreDrillWorkflowImpl.class, WalArchiveWorkflowImpl.class);
    worker.registerActivitiesImplementations(restore, backups,
        new WalArchiveActivitiesImpl(config, resources::store, resources::keys),
        new DrillActivitiesImpl(config, resources::store, resources::evidence, resources::keys),
        new EvidenceActivitiesImpl(config, resources::evidence, resources::keys), new NotifyActivitiesImpl(config));
    for (TaskQueues.Heavy kind : TaskQueues.Heavy.values()) {
      env.newWorker(kind.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(restore, backups);
    }
    env.start();

    writer = new Thread(DrillOnClusterTest::writeEvery100ms, "drill-writer");
    writer.setDaemon(true);
    writer.start();
    WorkflowClient.start(env.getWorkflowClient().newWorkflowStub(WalArchiveWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("wal-archive/orders").setTaskQueue(TaskQueues.RUNBOOKS).build())::run,
        RunbookInput.of(new WalArchiveInput("orders", "tester", null, 30)));
    awaitArchived();
    backup = env.getWorkflowClient().newWorkflowStub(BackupWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("backup/orders").setTaskQueue(TaskQueues.RUNBOOKS).build())
        .run(RunbookInput.of(new BackupRequest("orders", BackupMethod.PHYSICAL, "tester", null, null)));
    Thread.sleep(2_000); // rows after the backup, archived
  }

  @AfterAll
  static void stop() throws Exception {
    writing = false;
    if (writer != null) {
      writer.join(5_000);
    }
    if (env != null) {
      env.close();
    }
    if (webhook != null) {
      webhook.stop(0);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The application: one row per transaction every 100 ms, stamped with the server's clock. */
  static void writeEvery100ms() {
    try (Connection c = cluster.connect("orders"); Statement s = c.createStatement()) {
      while (writing) {
        s.execute("INSERT INTO ticks DEFAULT VALUES");
        Thread.sleep(100);
      }
    } catch (Exception e) {
      if (writing) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  @Order(1)
  void aDrillOfAGoodArchivePassesAndItsRpoIsWithinASecondOfTheRowsTheCopyReallyHas() throws Exception {
    // The application's own check reports the newest row in the copy: the truth the RPO is held to.
    SmokeCommand newestRow = new SmokeCommand(List.of(PgTools.locate().program("psql"), "-X", "-At", "-c",
        "SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM ticks"), 60);
    DrillResult r = drill(new DrillRequest("orders", DrillScenario.COMPLETE_FAILURE, null, null, null,
        List.of(new SmokeQuery("rows", null, "SELECT count(*) FROM ticks")), newestRow, "tester", "DR-1"));

    assertTrue(r.passed(), r.failures().toString());
    assertEquals(backup.backupId(), r.backupId());
    assertEquals("staging", r.objectives().environment());
    assertEquals(1800, r.objectives().rtoSeconds(), "objectives.staging overrides the default RTO");
    assertEquals(30, r.objectives().rpoSeconds(), "the target's drill: block overrides its environment's RPO");
    Instant newestInCopy = Instant.parse(r.smokeCommand().lastLines().get(r.smokeCommand().lastLines().size() - 1));
    double truth = Duration.between(newestInCopy, Instant.parse(r.loss().sourceTime())).toNanos() / 1e9;
    System.out.printf("drill %s: RTO %.1f s, RPO %.3f s / %d bytes (truth %.3f s), archive end at the loss %s, source %s%n",
        r.drillId(), r.rtoSeconds(), r.rpo().seconds(), r.rpo().bytes(), truth, r.loss().archiveEndLsn(), r.loss().sourceLsn());
    assertTrue(truth >= 0, "the copy holds no row written after the loss: " + newestInCopy + " vs " + r.loss().sourceTime());
    assertEquals(truth, r.rpo().seconds(), 1.0, "RPO within a second of the newest row the copy really has");
    assertEquals("removed", r.cleanup().outcome());
    assertEquals(List.of(), restoreDirectories(), "the copy is gone");
    // The sealed manifest says the same, signed.
    Path manifest = tmp.resolve("evidence/orders/drills/" + r.drillId() + "/manifest.jws");
    JsonNode m = JSON.readTree(Jws.unverifiedPayload(Files.readString(manifest, StandardCharsets.US_ASCII)));
    assertEquals("passed", m.get("outcome").asText());
    assertEquals(r.rpo().seconds(), m.get("rpo").get("seconds").asDouble(), 1e-9);
    assertEquals("removed", m.get("cleanup").get("outcome").asText());
    JsonNode alert = lastAlert("drill");
    assertEquals("drill.passed", alert.get("event").asText());
    assertEquals("info", alert.get("severity").asText());
    recordHistory("drill-passed.json");
  }

  @Test
  @Order(2)
  void aCorruptedBaseBackupFailsTheDrillWithACriticalAlert() throws Exception {
    Path artifact = tmp.resolve("store").resolve(backup.artifact().key());
    flipByteInTheMiddle(artifact);
    try {
      String m = failure(new DrillRequest("orders", null, null, null, null, List.of(), null, "tester", null));
      assertTrue(m.contains("does not hold") && m.contains("sha256"), m);
      JsonNode alert = lastAlert("drill");
      assertEquals("drill.failed", alert.get("event").asText());
      assertEquals("critical", alert.get("severity").asText());
      assertEquals(List.of(), restoreDirectories());
      recordHistory("drill-failed-corrupted-backup.json");
    } finally {
      flipByteInTheMiddle(artifact);
    }
  }

  @Test
  @Order(3)
  void aGapInTheArchivedWalFailsTheDrillWithACriticalAlert() throws Exception {
    WalSegment first = WalSegment.containing(1, Lsn.parse(backup.artifact().startLsn()).value(), 16 << 20);
    Path object = awaitSegmentObject(first);
    Path aside = tmp.resolve("aside");
    Files.move(object, aside);
    try {
      String m = failure(new DrillRequest("orders", DrillScenario.ACCIDENTAL_DELETION, null, null, null, List.of(), null,
          "tester", null));
      assertTrue(m.contains("WAL segment " + first.name() + " is missing"), m);
      assertEquals("critical", lastAlert("drill").get("severity").asText());
      assertEquals(List.of(), restoreDirectories());
    } finally {
      Files.move(aside, object);
    }
  }

  @Test
  @Order(4)
  void aDrillCanceledMidRestoreLeavesNoCopyBehind() throws Exception {
    Files.writeString(slowFetch, "");
    try {
      RestoreDrillWorkflow stub = env.getWorkflowClient().newWorkflowStub(RestoreDrillWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId("drill/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
      WorkflowClient.start(stub::run, RunbookInput.of(new DrillRequest("orders", null, null, null, null, List.of(), null,
          "tester", null)));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(dataDirectoryServerPid()) && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(dataDirectoryServerPid()), "the restored server is replaying WAL");
      WorkflowStub run = env.getWorkflowClient().newUntypedWorkflowStub("drill/orders");
      run.cancel();
      WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
          () -> run.getResult(120, TimeUnit.SECONDS, DrillResult.class));
      assertInstanceOf(CanceledFailure.class, e.getCause());
      assertEquals(List.of(), restoreDirectories(), "the copy was torn down");
      assertEquals("drill.canceled", lastAlert("drill").get("event").asText());
      recordHistory("drill-canceled-mid-restore.json");
    } finally {
      Files.deleteIfExists(slowFetch);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * With {@code -Drecord.histories=true}, writes the last drill's history for the replay test in
   * workflows/src/test/resources/drill-histories/, replacing the committed copy.
   */
  static void recordHistory(String fileName) throws Exception {
    if (!Boolean.getBoolean("record.histories")) {
      return;
    }
    Path dir = Path.of(System.getProperty("repo.root", "..")).resolve("workflows/src/test/resources/drill-histories");
    Files.createDirectories(dir);
    String json = env.getWorkflowClient().fetchHistory("drill/orders").toJson(true);
    // The test server leaves the workflow id out of the started event; the drill refuses any id but drill/<target>.
    json = json.replaceFirst("\"header\": \\{\\}", "\"header\": {},\n        \"workflowId\": \"drill/orders\"");
    Files.writeString(dir.resolve(fileName), json);
  }

  static DrillResult drill(DrillRequest request) {
    return env.getWorkflowClient().newWorkflowStub(RestoreDrillWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("drill/orders").setTaskQueue(TaskQueues.RUNBOOKS).build()).run(RunbookInput.of(request));
  }

  static String failure(DrillRequest request) {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> drill(request));
    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("DrillFailed", f.getType());
    return f.getOriginalMessage();
  }

  static JsonNode lastAlert(String runbook) {
    List<JsonNode> mine = alerts.stream().filter(a -> runbook.equals(a.get("runbook").asText())).toList();
    assertTrue(!mine.isEmpty(), "no " + runbook + " notification among " + alerts);
    return mine.get(mine.size() - 1);
  }

  static List<String> restoreDirectories() throws Exception {
    Path root = tmp.resolve("restores");
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** The postmaster.pid of the one restore under way, or a path that does not exist. */
  static Path dataDirectoryServerPid() throws Exception {
    List<String> dirs = restoreDirectories();
    return dirs.isEmpty() ? tmp.resolve("none") : tmp.resolve("restores").resolve(dirs.get(0)).resolve("data/postmaster.pid");
  }

  static void awaitArchived() throws Exception {
    WalArchive archive = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      if (archive.info().isPresent() && WalVerifier.lastArchived(archive.list(), 1) != null) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the WAL archiver archived nothing in a minute");
  }

  static Path awaitSegmentObject(WalSegment segment) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      try (Stream<Path> s = Files.walk(tmp.resolve("store/orders/wal"))) {
        var found = s.filter(p -> !p.toString().contains("/partial/"))
            .filter(p -> p.getFileName().toString().startsWith(segment.name() + "-")).findFirst();
        if (found.isPresent()) {
          return found.get();
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("segment " + segment.name() + " never archived complete");
  }

  static void flipByteInTheMiddle(Path file) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01);
    }
  }
}
