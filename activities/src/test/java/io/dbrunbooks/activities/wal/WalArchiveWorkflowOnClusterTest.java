package io.dbrunbooks.activities.wal;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.KeySourceConfig;
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
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.walarchive.WalArchiveCheckpoint;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveProgress;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflowImpl;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WalArchiveWorkflow with its real activities, a real cluster, file store and registry: the loop,
 * the progress reports and the stop work end to end, with only Temporal's test server in between.
 */
class WalArchiveWorkflowOnClusterTest {
  @TempDir Path tmp;

  @Test
  void theArchiverArchivesReportsProgressAndStopsCleanlyOnCancel() throws Exception {
    LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    try (LocalCluster cluster = LocalCluster.start(tmp.resolve("pg"))) {
      cluster.sql("postgres", "CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
      TargetsConfig config = config(cluster);
      TargetResources resources = new TargetResources(config);

      TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
        worker.registerWorkflowImplementationTypes(WalArchiveWorkflowImpl.class);
        worker.registerActivitiesImplementations(
            new WalArchiveActivitiesImpl(config, resources::store, resources::keys).withProgressEvery(Duration.ofSeconds(1)),
            new EvidenceActivitiesImpl(config, resources::evidence, resources::keys),
            new NotifyActivitiesImpl(config));
        env.start();
        WorkflowClient client = env.getWorkflowClient();
        WalArchiveWorkflow archiver = client.newWorkflowStub(WalArchiveWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId("wal-archive/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
        String runId = WorkflowClient.start(archiver::run, RunbookInput.of(new WalArchiveInput("orders", "alice", null, 3))).getRunId();

        cluster.sql("postgres", "INSERT INTO events (payload) VALUES ('archived by the workflow')");
        Lsn committed = currentLsn(cluster);
        WalArchiveProgress p = awaitProgress(client, committed);
        assertEquals("archiving", p.state());
        assertTrue(awaitRunningReport(client, cluster), "a running call reports its position to the progress query");

        WorkflowStub stub = client.newUntypedWorkflowStub("wal-archive/orders");
        stub.cancel();
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
            () -> stub.getResult(60, TimeUnit.SECONDS, WalArchiveCheckpoint.class));
        assertInstanceOf(CanceledFailure.class, e.getCause());

        WalListing listing = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders").list();
        assertTrue(listing.firstMissing(1, committed, committed).isEmpty(), "the row's WAL is archived");
        String chain = "orders/wal-archive/" + runId;
        assertEquals(2, new AuditChain(resources.evidence("orders")).verify(chain).sequence(), "an intact chain of two entries");
        List<String> entries = new java.util.ArrayList<>();
        for (long i = 1; i <= 2; i++) {
          entries.add(new String(resources.evidence("orders").get(AuditChain.entryPath(chain, i)).orElseThrow(),
              java.nio.charset.StandardCharsets.UTF_8));
        }
        assertTrue(entries.get(0).contains("\"wal-archive.started\""), entries.get(0));
        assertTrue(entries.get(1).contains("\"wal-archive.stopped\""), entries.get(1));
        recordHistory(client, "cluster-test-canceled.json");
      } finally {
        env.close();
        resources.close();
      }
    }
  }

  @Test
  void aStoppingWorkerHandsTheStreamBackWithoutAFailure() throws Exception {
    LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    try (LocalCluster cluster = LocalCluster.start(tmp.resolve("pg"))) {
      TargetsConfig config = config(cluster);
      TargetResources resources = new TargetResources(config);
      TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        WorkflowClient client = env.getWorkflowClient();
        // A factory of its own, stopped the way the worker stops on SIGTERM.
        io.temporal.worker.WorkerFactory factory = io.temporal.worker.WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(TaskQueues.RUNBOOKS);
        worker.registerWorkflowImplementationTypes(WalArchiveWorkflowImpl.class);
        worker.registerActivitiesImplementations(new WalArchiveActivitiesImpl(config, resources::store, resources::keys),
            new EvidenceActivitiesImpl(config, resources::evidence, resources::keys), new NotifyActivitiesImpl(config));
        factory.start();
        WalArchiveWorkflow archiver = client.newWorkflowStub(WalArchiveWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId("wal-archive/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
        WorkflowClient.start(archiver::run, RunbookInput.of(new WalArchiveInput("orders", "alice", null, 300)));
        cluster.sql("postgres", "CREATE TABLE events (id bigserial PRIMARY KEY)");
        Lsn committed = currentLsn(cluster);
        awaitProgress(client, committed);

        factory.shutdown();
        factory.awaitTermination(30, TimeUnit.SECONDS);

        // The call ended with its checkpoint (before: failed with the shutdown, retried with a
        // reasonless "last failure" and, often, restarted on the draining worker itself).
        assertTrue(client.fetchHistory("wal-archive/orders").getEvents().stream()
            .anyMatch(e -> e.hasActivityTaskCompletedEventAttributes()), "the archiving call completed");
        var pending = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId("wal-archive/orders"))
                .build()).getPendingActivitiesList();
        assertTrue(pending.stream().noneMatch(a -> a.hasLastFailure()), pending.toString());
        WalListing listing = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders").list();
        assertTrue(listing.firstMissing(1, committed, committed).isEmpty(), "the WAL up to the stop is archived");
      } finally {
        env.close();
        resources.close();
      }
    }
  }

  /** The target "orders" on {@code cluster}, with a file store and registry under the test's directory. */
  private TargetsConfig config(LocalCluster cluster) {
    TargetConfig orders = new TargetConfig("orders", "postgres", cluster.connection("postgres"),
        new StoreConfig("file:" + tmp.resolve("store")), new RegistryConfig("file:" + tmp.resolve("evidence")),
        new KeySourceConfig(tmp.resolve("keyring.json").toString()), 30, new NotifierConfig(null), 0, null, null,
        new WalArchiveConfig(null, Duration.ofMillis(200)));
    return new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("orders", orders));
  }

  private static Lsn currentLsn(LocalCluster cluster) throws java.sql.SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  /**
   * With {@code -Drecord.histories=true}, writes the run's history for WalArchiveReplayTest in
   * workflows/src/test/resources/walarchive-histories/, replacing the committed copy.
   */
  static void recordHistory(WorkflowClient client, String fileName) throws java.io.IOException {
    if (!Boolean.getBoolean("record.histories")) {
      return;
    }
    Path dir = Path.of(System.getProperty("repo.root", "..")).resolve("workflows/src/test/resources/walarchive-histories");
    Files.createDirectories(dir);
    String json = client.fetchHistory("wal-archive/orders").toJson(true);
    // The test server leaves the workflow id out of the started event; the workflow refuses any id but wal-archive/<target>.
    json = json.replaceFirst("\"header\": \\{\\}", "\"header\": {},\n        \"workflowId\": \"wal-archive/orders\"");
    Files.writeString(dir.resolve(fileName), json);
  }

  private static boolean awaitRunningReport(WorkflowClient client, LocalCluster cluster) throws Exception {
    for (int i = 0; i < 300; i++) {
      cluster.sql("postgres", "INSERT INTO events (payload) VALUES ('more')");
      WalArchiveCheckpoint current = client.newWorkflowStub(WalArchiveWorkflow.class, "wal-archive/orders").progress().current();
      if (current != null && current.timeline() == 1 && current.archivedLsn() != null) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /** Polls the progress query until a report (a running call's, or a finished call's) covers {@code lsn}. */
  private static WalArchiveProgress awaitProgress(WorkflowClient client, Lsn lsn) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    WalArchiveProgress p = null;
    while (System.nanoTime() < deadline) {
      p = client.newWorkflowStub(WalArchiveWorkflow.class, "wal-archive/orders").progress();
      WalArchiveCheckpoint seen = p.current() != null ? p.current() : p.total();
      if (seen.archivedLsn() != null && Lsn.parse(seen.archivedLsn()).compareTo(lsn) >= 0) {
        return p;
      }
      Thread.sleep(200);
    }
    assertNotNull(p);
    throw new AssertionError("the progress query never reached " + lsn + ": " + p);
  }
}
