package io.dbrunbooks.activities.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dbrunbooks.activities.config.KeySourceConfig;
import io.dbrunbooks.activities.config.MonitoringConfig;
import io.dbrunbooks.activities.config.NotifierConfig;
import io.dbrunbooks.activities.config.RegistryConfig;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.WalArchiveConfig;
import io.dbrunbooks.activities.evidence.AuditChain;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.notify.NotifyActivitiesImpl;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.wal.WalArchiveActivitiesImpl;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.backup.BackupWorkflowImpl;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.monitoring.AlertKind;
import io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflow;
import io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflowImpl;
import io.dbrunbooks.workflows.monitoring.FreshnessRequest;
import io.dbrunbooks.workflows.monitoring.FreshnessResult;
import io.dbrunbooks.workflows.monitoring.OpenAlert;
import io.dbrunbooks.workflows.walarchive.WalArchiveCheckpoint;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflowImpl;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The freshness check with its real activities on a real cluster, file store and registry, real
 * backups and a real WAL archiver, notifying a real webhook: each alert is raised once when its
 * condition appears and resolved once when it clears. The observing activity's clock is the one
 * thing the test sets, so that hours pass at once.
 */
class FreshnessOnClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofSeconds(40);
  @TempDir Path tmp;

  private HttpServer webhook;
  private final List<JsonNode> posted = new CopyOnWriteArrayList<>();
  private volatile Instant clockNow = Instant.now();
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return clockNow;
    }
  };

  @BeforeEach
  void startWebhook() throws Exception {
    LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext("/", exchange -> {
      posted.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    webhook.start();
  }

  @AfterEach
  void stopWebhook() {
    webhook.stop(0);
  }

  @Test
  void aStaleBackupWarnsOnceAndANewBackupResolvesItAFailedBackupIsCriticalUntilTheNextSucceeds() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(tmp.resolve("pg"))) {
      cluster.createDatabase("orders");
      TargetsConfig config = config(cluster, new MonitoringConfig(LIMIT, null));
      TargetResources resources = new TargetResources(config);
      TestWorkflowEnvironment env = environment(config, resources);
      try {
        WorkflowClient client = env.getWorkflowClient();
        // A new backup must be newer than the clock that found the old one stale, so this part runs
        // on real time against a limit of 40 s instead of moving the clock.
        BackupResult first = backup(client);
        clockNow = Instant.now();
        FreshnessResult fresh = check(client);
        assertEquals(first.backupId(), fresh.observation().newestBackup().backupId());
        assertEquals(fresh.observation().newestBackup().ageSeconds() > LIMIT.toSeconds(), !fresh.raised().isEmpty(),
            "stale exactly when older than the limit: " + fresh.observation().newestBackup());

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), finished(first).plus(LIMIT).plusSeconds(2)).toMillis()));
        clockNow = Instant.now();
        check(client);
        check(client);
        clockNow = Instant.now();
        check(client);
        assertEquals(List.of("alert.raised backup-stale warning"), alerts(), "raised once however often it is checked");
        JsonNode raised = alertPosts().get(0);
        assertTrue(raised.path("summary").asText().contains("over the limit of 40 s"), raised.toString());

        BackupResult second = backup(client);
        FreshnessResult resolved = null;
        for (int i = 0; i < 3 && (resolved == null || resolved.resolved().isEmpty()); i++) {
          clockNow = Instant.now();
          resolved = check(client); // real time: a slow machine may need a second look within the limit
        }
        assertEquals(List.of(AlertKind.BACKUP_STALE), kinds(resolved.resolved()), "the new backup resolves it");
        assertEquals(second.backupId(), resolved.observation().newestBackup().backupId());
        assertEquals(List.of("alert.raised backup-stale warning", "alert.resolved backup-stale warning"), alerts());
        assertEquals(raised.path("details").path("incident"), alertPosts().get(1).path("details").path("incident"));

        // The database disappears under the target: the backup fails at its precheck.
        cluster.sql("postgres", "ALTER DATABASE orders RENAME TO orders_moved");
        assertThrows(WorkflowFailedException.class, () -> backup(client));
        FreshnessResult failed = check(client);
        assertEquals(List.of(AlertKind.BACKUP_FAILED), kinds(failed.raised()));
        check(client);
        cluster.sql("postgres", "ALTER DATABASE orders_moved RENAME TO orders");
        backup(client);
        clockNow = Instant.now();
        assertEquals(List.of(AlertKind.BACKUP_FAILED), kinds(check(client).resolved()), "the next good backup resolves it");
        assertEquals(List.of("alert.raised backup-stale warning", "alert.resolved backup-stale warning",
            "alert.raised backup-failed critical", "alert.resolved backup-failed critical"), alerts());
        assertTrue(alertPosts().get(2).path("summary").asText().contains("failed"), alertPosts().get(2).toString());

        // Every raise and resolve is also in the registry, in intact chains.
        List<String> actions = auditActions(resources);
        assertEquals(List.of("alert.raised", "alert.resolved", "alert.raised", "alert.resolved"), actions);
      } finally {
        env.close();
        resources.close();
      }
    }
  }

  @Test
  void aStoppedArchiverWarnsOnceAndWalLeftBehindWarnsAfterItsLimit() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(tmp.resolve("pg"))) {
      cluster.createDatabase("orders");
      cluster.sql("orders", "CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
      TargetsConfig config = config(cluster, MonitoringConfig.DEFAULT);
      TargetResources resources = new TargetResources(config);
      TestWorkflowEnvironment env = environment(config, resources);
      try {
        WorkflowClient client = env.getWorkflowClient();
        startArchiver(client);
        awaitArchiveFile(resources);
        cluster.sql("orders", "INSERT INTO events (payload) VALUES ('archived')");
        FreshnessResult running = check(client);
        assertEquals(Boolean.TRUE, running.observation().wal().archiverStreaming(), running.observation().toString());
        assertTrue(kinds(running.open()).stream().noneMatch(k -> k.word().startsWith("wal-")), running.open().toString());

        WorkflowStub archiver = client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId("orders"));
        archiver.cancel();
        assertThrows(WorkflowFailedException.class, () -> archiver.getResult(60, TimeUnit.SECONDS, WalArchiveCheckpoint.class));
        FreshnessResult stopped = check(client);
        assertTrue(kinds(stopped.raised()).contains(AlertKind.WAL_ARCHIVER_DOWN), stopped.raised().toString());
        check(client);

        // WAL written while nothing archives: first seen behind, then behind for longer than 15 minutes.
        cluster.sql("orders", "INSERT INTO events (payload) SELECT 'not archived' FROM generate_series(1, 1000)");
        FreshnessResult behind = check(client);
        assertTrue(behind.observation().wal().lagBytes() > 0, behind.observation().wal().toString());
        assertTrue(behind.raised().isEmpty(), "WAL seen behind for the first time is not stale yet");
        clockNow = clockNow.plus(Duration.ofMinutes(16));
        FreshnessResult stale = check(client);
        assertEquals(List.of(AlertKind.WAL_ARCHIVE_STALE), kinds(stale.raised()), stale.observation().wal().toString());

        startArchiver(client);
        FreshnessResult back = awaitResolved(client, 2);
        assertTrue(back.open().stream().noneMatch(a -> a.kind().word().startsWith("wal-")), back.open().toString());
        List<String> wal = alerts().stream().filter(a -> a.contains(" wal-")).toList();
        assertEquals(List.of("alert.raised wal-archiver-down warning", "alert.raised wal-archive-stale warning"), wal.subList(0, 2));
        assertEquals(List.of("alert.resolved wal-archive-stale warning", "alert.resolved wal-archiver-down warning"),
            wal.subList(2, wal.size()).stream().sorted().toList(), "each WAL alert raised once, then resolved once");
        client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId("orders")).cancel();
      } finally {
        env.close();
        resources.close();
      }
    }
  }

  /** Checks until {@code count} WAL alerts were resolved: the restarted archiver needs a moment to catch up. */
  private FreshnessResult awaitResolved(WorkflowClient client, int count) throws InterruptedException {
    FreshnessResult last = null;
    for (int i = 0; i < 30; i++) {
      last = check(client);
      if (alerts().stream().filter(a -> a.startsWith("alert.resolved wal-")).count() >= count) {
        return last;
      }
      Thread.sleep(1000);
    }
    return last;
  }

  private TestWorkflowEnvironment environment(TargetsConfig config, TargetResources resources) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker main = env.newWorker(TaskQueues.RUNBOOKS);
    main.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, WalArchiveWorkflowImpl.class, FreshnessCheckWorkflowImpl.class);
    PostgresBackupActivities backups = new PostgresBackupActivities(config, resources::store, resources::keys);
    main.registerActivitiesImplementations(backups,
        new EvidenceActivitiesImpl(config, resources::evidence, resources::keys),
        new NotifyActivitiesImpl(config),
        new WalArchiveActivitiesImpl(config, resources::store, resources::keys),
        new MonitoringActivitiesImpl(config, resources::store, resources::evidence, clock).withArchiverGrace(Duration.ofSeconds(2)));
    env.newWorker(TaskQueues.Heavy.BACKUP.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(backups);
    env.start();
    return env;
  }

  private static BackupResult backup(WorkflowClient client) {
    return client.newWorkflowStub(BackupWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(BackupWorkflow.workflowId("orders"))
        .setTaskQueue(TaskQueues.RUNBOOKS).build()).run(RunbookInput.of(new BackupRequest("orders", null, "alice", null, null)));
  }

  private static FreshnessResult check(WorkflowClient client) {
    return client.newWorkflowStub(FreshnessCheckWorkflow.class, WorkflowOptions.newBuilder()
            .setWorkflowId(FreshnessCheckWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build())
        .run(RunbookInput.of(new FreshnessRequest("orders", "test")));
  }

  private static void startArchiver(WorkflowClient client) {
    WalArchiveWorkflow archiver = client.newWorkflowStub(WalArchiveWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(WalArchiveWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build());
    WorkflowClient.start(archiver::run, RunbookInput.of(new WalArchiveInput("orders", "alice", null, 3)));
  }

  private static void awaitArchiveFile(TargetResources resources) throws Exception {
    for (int i = 0; i < 60 && !resources.store("orders").exists("orders/wal/archive.json"); i++) {
      Thread.sleep(500);
    }
    assertTrue(resources.store("orders").exists("orders/wal/archive.json"), "the archiver started its archive");
  }

  private static Instant finished(BackupResult r) {
    return Instant.parse(r.artifact().finishedAt());
  }

  private static List<AlertKind> kinds(List<OpenAlert> alerts) {
    return alerts.stream().map(OpenAlert::kind).toList();
  }

  private List<JsonNode> alertPosts() {
    return posted.stream().filter(p -> p.path("event").asText().startsWith("alert.")).toList();
  }

  /** "alert.raised backup-stale warning" per alert notification the webhook received, in order. */
  private List<String> alerts() {
    return alertPosts().stream().map(p -> p.path("event").asText() + " " + p.path("details").path("kind").asText() + " "
        + p.path("severity").asText()).toList();
  }

  private static List<String> auditActions(TargetResources resources) throws Exception {
    var registry = resources.evidence("orders");
    List<String> chains = registry.list("orders/alerts/").stream()
        .map(p -> p.substring(0, p.indexOf("/audit/"))).distinct().sorted().toList();
    List<String> actions = new ArrayList<>();
    for (String chain : chains) {
      long n = new AuditChain(registry).verify(chain).sequence();
      for (long i = 1; i <= n; i++) {
        actions.add(JSON.readTree(registry.get(AuditChain.entryPath(chain, i)).orElseThrow()).path("event").path("action").asText());
      }
    }
    return actions;
  }

  private TargetsConfig config(LocalCluster cluster, MonitoringConfig monitoring) {
    TargetConfig orders = new TargetConfig("orders", "postgres", cluster.connection("orders"),
        new StoreConfig("file:" + tmp.resolve("store")), new RegistryConfig("file:" + tmp.resolve("evidence")),
        new KeySourceConfig(tmp.resolve("keyring.json").toString()), 30,
        new NotifierConfig("http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks/db"), 0, null, null,
        new WalArchiveConfig(null, Duration.ofMillis(200))).withMonitoring(monitoring);
    return new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("orders", orders));
  }
}
