package io.dbrunbooks.activities.restore;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.notify.NotifyActivitiesImpl;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalArchiveActivitiesImpl;
import io.dbrunbooks.workflows.backup.BackupWorkflowImpl;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.dbrunbooks.workflows.walarchive.WalArchiveActivities;
import io.dbrunbooks.workflows.walarchive.WalArchiveRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * What the restore tests against real clusters share: target {@code orders} on a local cluster,
 * the test server running the real backup and restore workflows, and the real WAL archiver.
 */
final class RestoreFixture {
  private RestoreFixture() {}

  /** A new keyring in {@code tmp}: the restore_command runs as the server's user and must read it, as in production. */
  static Path keyring(Path tmp) throws IOException {
    Path keyring = tmp.resolve("keyring.json");
    LocalKeyring.create(keyring);
    PgTools.handToServerUser(keyring);
    return keyring;
  }

  /** Target {@code orders} on {@code cluster}'s database {@code orders}, with its store, registry and restores under {@code tmp}. */
  static TargetsConfig targets(Path tmp, LocalCluster cluster, Path keyring) throws IOException {
    Path targets = tmp.resolve("targets.yaml");
    Files.writeString(targets, String.join("\n",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: { host: 127.0.0.1, port: " + cluster.port() + ", database: orders, user: postgres,"
            + " password: { file: " + cluster.passwordFile() + " }, sslmode: disable }",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring + " }",
        "    restore: { directory: " + tmp.resolve("restores") + " }", ""));
    return TargetsConfigLoader.load(targets);
  }

  /** The test server with the backup and restore workflows, these activities, and the real evidence and notify ones. */
  static TestWorkflowEnvironment start(TargetsConfig config, TargetResources resources, Object... activities) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, PointInTimeRestoreWorkflowImpl.class);
    worker.registerActivitiesImplementations(new EvidenceActivitiesImpl(config, resources::evidence, resources::keys),
        new NotifyActivitiesImpl(config));
    worker.registerActivitiesImplementations(activities);
    // Heavy steps run on their own queues, where a worker limits how many run at once.
    for (TaskQueues.Heavy kind : TaskQueues.Heavy.values()) {
      env.newWorker(kind.queue(TaskQueues.RUNBOOKS)).registerActivitiesImplementations(activities);
    }
    env.start();
    return env;
  }

  /** The target as it is after a promotion: the configured one, on the server at {@code port} (on 127.0.0.1). */
  static Function<String, TargetConfig> servedBy(TargetsConfig config, IntSupplier port) {
    return name -> {
      PostgresConnection c = config.target(name).connection();
      return config.target(name).withConnection(new PostgresConnection("127.0.0.1", port.getAsInt(), c.database(), c.user(),
          c.password(), c.sslmode()));
    };
  }

  /** The real WAL archiver, connected to the server {@code serving} names, archives {@code timeline} up to {@code end}. */
  static void archive(TargetsConfig config, TargetResources resources, Function<String, TargetConfig> serving, int timeline,
      Lsn end) throws IOException {
    WalArchive archive = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders");
    TestActivityEnvironment archiverEnv = TestActivityEnvironment.newInstance();
    try {
      archiverEnv.registerActivitiesImplementations(new WalArchiveActivitiesImpl(config, resources::store, resources::keys)
          .withServing(serving));
      WalArchiveActivities stub = archiverEnv.newActivityStub(WalArchiveActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2)).setHeartbeatTimeout(Duration.ofSeconds(20))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      for (int i = 0; i < 20 && !archivedTo(archive, timeline, end); i++) {
        stub.archive(new WalArchiveRequest("orders", 2));
      }
    } finally {
      archiverEnv.close();
    }
    assertTrue(archivedTo(archive, timeline, end), "WAL archived on timeline " + timeline + " up to " + end);
  }

  private static boolean archivedTo(WalArchive archive, int timeline, Lsn end) throws IOException {
    Lsn reached = archive.list().archivedEnd(timeline, new Lsn(end.value() - 1));
    return reached != null && reached.compareTo(end) >= 0;
  }
}
