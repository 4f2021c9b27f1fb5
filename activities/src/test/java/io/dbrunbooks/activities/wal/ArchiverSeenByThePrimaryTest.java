package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.WalArchiveConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.PrecheckReport;
import io.dbrunbooks.workflows.backup.PrecheckRequest;
import io.dbrunbooks.workflows.backup.WalReceiver;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL archiver as the primary sees it, on a quiet database after the archiver reconnected (each
 * archiving call does): its walsender reports no replay, so pg_stat_replication's replay_lag grows
 * from the moment it connected. The backup precheck must see a WAL receiver there, not a standby
 * lagging behind, and the archiver's status updates must carry the real time.
 */
class ArchiverSeenByThePrimaryTest {
  static final String SLOT = "orders_archive";
  static final double LIMIT = 2.0;
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static LocalKeyring keys;
  static final AtomicBoolean stop = new AtomicBoolean();
  static CompletableFuture<WalStreamer.Result> second;

  TestActivityEnvironment env;
  BackupActivities activities;

  @BeforeAll
  static void archiverReconnectedOnAQuietDatabase() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.sql("postgres", "CREATE TABLE ticks (at timestamptz DEFAULT now())", "INSERT INTO ticks DEFAULT VALUES");
    WalArchive archive = new WalArchive(new FileBackupStore(tmp.resolve("store")), keys, "orders");
    // A first call archives what there is and ends; the next one connects again with nothing new to stream.
    AtomicReference<Lsn> archived = new AtomicReference<>(new Lsn(0));
    AtomicBoolean stopFirst = new AtomicBoolean();
    CompletableFuture<WalStreamer.Result> first = stream(archive, () -> !stopFirst.get(), p -> archived.set(p.archivedEnd()));
    Lsn end = Lsn.parse(query("SELECT pg_current_wal_flush_lsn()"));
    for (int i = 0; i < 600 && archived.get().compareTo(end) < 0; i++) {
      Thread.sleep(100);
    }
    stopFirst.set(true);
    assertNotNull(first.get(60, TimeUnit.SECONDS));
    second = quietReconnect(archive);
  }

  /**
   * Connects again, as the next archiving call does, until a connection meets a quiet server: one
   * that writes no WAL while the walsender's replay_lag passes the limit. (An idle server logs a
   * standby snapshot or a checkpoint now and then; before the fix, WAL arriving after the reconnect
   * made the archiver report it as replayed, which hid the defect, so the next call is tried.)
   */
  static CompletableFuture<WalStreamer.Result> quietReconnect(WalArchive archive) throws Exception {
    for (int attempt = 0; attempt < 8; attempt++) {
      AtomicBoolean stopThis = new AtomicBoolean();
      CompletableFuture<WalStreamer.Result> run = stream(archive, () -> !stop.get() && !stopThis.get(), p -> { });
      if (archiverRowWithin("replay_lsn IS NULL AND replay_lag > interval '" + (LIMIT + 0.5) + " s'", 150)) {
        return run;
      }
      stopThis.set(true);
      run.get(60, TimeUnit.SECONDS);
    }
    throw new AssertionError("the server never stayed quiet for an archiver connection");
  }

  static CompletableFuture<WalStreamer.Result> stream(WalArchive archive, java.util.function.BooleanSupplier keepGoing,
      WalStreamer.Listener listener) throws Exception {
    String password = Files.readString(cluster.passwordFile()).strip();
    WalStreamer streamer = new WalStreamer(() -> DriverManager.getConnection(cluster.jdbcUrl("postgres"),
        ReplicationConnections.properties(LocalCluster.SUPERUSER, password, "disable")), archive, SLOT, Duration.ofMillis(200));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return streamer.run(keepGoing, listener);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, r -> new Thread(r, "archiver").start());
  }

  @AfterAll
  static void stopAll() throws Exception {
    stop.set(true);
    try {
      if (second != null) {
        second.get(60, TimeUnit.SECONDS);
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @BeforeEach
  void setUp() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PostgresBackupActivities(new TargetsConfig(tmp.resolve("targets.yaml"),
        Map.of("orders", target("orders", SLOT), "lonely", target("lonely", "other_archive"))),
        t -> new FileBackupStore(tmp.resolve("store")), t -> keys));
    activities = env.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  static TargetConfig target(String name, String slot) {
    return new TargetConfig(name, "postgres", cluster.connection("postgres"), new StoreConfig("file:" + tmp.resolve("store")),
        null, null, LIMIT, null, 0, null, null, new WalArchiveConfig(slot, WalArchiveConfig.DEFAULT_FLUSH_INTERVAL));
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void aQuietArchiverPastTheLagLimitIsReportedAsAReceiverAndTheBackupGoesAhead() throws Exception {
    // The state the issue met (set up above): the view says the archiver's walsender is over the limit and replayed nothing.
    awaitArchiverRow("replay_lsn IS NULL AND replay_lag > interval '" + (LIMIT + 0.5) + " s'");
    PrecheckReport p = activities.precheck(new PrecheckRequest("orders", BackupMethod.PHYSICAL));
    assertEquals(0, p.replicationLagSeconds());
    assertEquals(List.of(), p.standbys());
    assertEquals(1, p.receivers().stream().filter(r -> r.kind().equals("archiver")).count(), p.receivers().toString());
    WalReceiver archiver = p.receivers().stream().filter(r -> r.kind().equals("archiver")).findFirst().orElseThrow();
    assertEquals(SLOT, archiver.slot());
    assertEquals(ReplicationConnections.APPLICATION_NAME, archiver.applicationName());
    // It reported what the archive holds as soon as it connected: nothing is behind on a quiet server.
    assertEquals(query("SELECT pg_current_wal_flush_lsn()::text"), archiver.flushLsn());
    assertEquals(0, archiver.bytesBehind());
    assertEquals(0, archiver.lagSeconds());
    assertTrue(archiver.judged().contains("not judged"), archiver.judged());
    assertEquals(List.of(), p.notes());
  }

  /**
   * pgjdbc 42.7.4's own updates say 1999-12-21 (their clock is System.nanoTime()): the archiver sends
   * its own (StandbyStatus). Failed before that with reply_time 850,481,995 s off.
   */
  @Test
  void theArchiversStatusUpdatesCarryTheRealTime() throws Exception {
    awaitArchiverRow("reply_time IS NOT NULL");
    String sql = "SELECT abs(extract(epoch FROM now() - r.reply_time)) FROM pg_stat_replication r"
        + " JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = '" + SLOT + "'";
    // Twice, 11 s apart: the first update of a stream and the periodic ones after it.
    for (int i = 0; i < 2; i++) {
      double off = Double.parseDouble(query(sql));
      assertTrue(off < 60, "reply_time is " + query("SELECT r.reply_time::text FROM pg_stat_replication r JOIN"
          + " pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = '" + SLOT + "'") + ", " + off + " s from now()");
      Thread.sleep(11_000);
    }
  }

  @Test
  void anArchiverWithoutItsStreamIsNotedNotRefused() throws Exception {
    cluster.sql("postgres", "SELECT pg_create_physical_replication_slot('other_archive', true)");
    try {
      PrecheckReport p = activities.precheck(new PrecheckRequest("lonely", BackupMethod.PHYSICAL));
      assertEquals(1, p.notes().size(), p.notes().toString());
      assertTrue(p.notes().get(0).contains("no WAL archiver was streaming from slot other_archive")
          && p.notes().get(0).contains("runbooks wal archive start --target lonely"), p.notes().get(0));
      // The other target's archiver is still there, seen as what it is.
      assertTrue(p.receivers().stream().anyMatch(r -> SLOT.equals(r.slot()) && r.kind().equals("receiver")), p.receivers().toString());
    } finally {
      cluster.sql("postgres", "SELECT pg_drop_replication_slot('other_archive')");
    }
  }

  /** Waits (bounded) until the walsender holding the archiver's slot matches {@code condition}. */
  static void awaitArchiverRow(String condition) throws Exception {
    if (!archiverRowWithin(condition, 600)) {
      throw new AssertionError("the archiver's walsender never showed " + condition + ": " + query(
          "SELECT string_agg(row(r.*)::text, '; ') FROM pg_stat_replication r"));
    }
  }

  static boolean archiverRowWithin(String condition, int polls) throws Exception {
    String sql = "SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
        + " WHERE s.slot_name = '" + SLOT + "' AND " + condition;
    for (int i = 0; i < polls; i++) {
      if ("1".equals(query(sql))) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  static String query(String sql) throws Exception {
    return cluster.psql("postgres", sql).strip();
  }
}
