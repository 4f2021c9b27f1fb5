package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.WalArchiveConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.walarchive.WalArchiveActivities;
import io.dbrunbooks.workflows.walarchive.WalArchiveCheckpoint;
import io.dbrunbooks.workflows.walarchive.WalArchiveRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archiving activity as the worker runs it: bounded calls that resume each other, and the failures a workflow sees. */
class WalArchiveActivitiesImplTest {
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static LocalKeyring keys;
  static FileBackupStore store;
  static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(2))
      .setHeartbeatTimeout(Duration.ofSeconds(20))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
      .build();
  TestActivityEnvironment env;
  WalArchiveActivitiesImpl impl;
  WalArchiveActivities activities;

  @BeforeAll
  static void startCluster() throws Exception {
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.sql("postgres", "CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
    store = new FileBackupStore(tmp.resolve("store"));
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void setUp() {
    WalArchiveConfig fast = new WalArchiveConfig(null, Duration.ofMillis(200));
    TargetConfig orders = new TargetConfig("orders", "postgres", cluster.connection("postgres"),
        new StoreConfig("file:" + tmp.resolve("store")), null, null, 30, null, 0, null, null, fast);
    TargetConfig foreign = new TargetConfig("foreign", "postgres", cluster.connection("postgres"),
        new StoreConfig("file:" + tmp.resolve("store")), null, null, 30, null, 0, null, null, fast);
    TargetsConfig config = new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("orders", orders, "foreign", foreign));
    env = TestActivityEnvironment.newInstance();
    impl = new WalArchiveActivitiesImpl(config, t -> store, t -> keys);
    env.registerActivitiesImplementations(impl);
    activities = env.newActivityStub(WalArchiveActivities.class, OPTIONS);
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static Lsn insertRow() throws Exception {
    cluster.sql("postgres", "INSERT INTO events (payload) VALUES ('committed')");
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  @Test
  void eachCallStreamsForItsTimeAndTheNextResumesWhereItStopped() throws Exception {
    Lsn committed = insertRow();
    WalArchiveCheckpoint first = activities.archive(new WalArchiveRequest("orders", 2));
    assertEquals(1, first.timeline());
    assertTrue(Lsn.parse(first.archivedLsn()).compareTo(committed) >= 0, first + " vs " + committed);
    assertTrue(first.bytesArchived() > 0);
    assertEquals(java.util.List.of(), first.gaps());

    cluster.sql("postgres", "SELECT pg_switch_wal()");
    Lsn later = insertRow();
    WalArchiveCheckpoint second = activities.archive(new WalArchiveRequest("orders", 2));
    assertTrue(Lsn.parse(second.archivedLsn()).compareTo(later) >= 0, second + " vs " + later);
    assertEquals(1, second.segmentsArchived(), "the switched segment was completed and stored whole");
    assertEquals(java.util.List.of(), second.gaps());
    WalListing listing = new WalArchive(store, keys, "orders").list();
    assertTrue(listing.firstMissing(1, Lsn.parse(first.archivedLsn()), later).isEmpty());
    assertTrue(listing.segments().containsKey(WalSegment.parse(second.lastSegment(), 16 << 20)));
  }

  @Test
  void aSecondCallWhileOneStreamsIsRefusedAndRetryable() throws Exception {
    CompletableFuture<WalArchiveCheckpoint> running = CompletableFuture.supplyAsync(
        () -> activities.archive(new WalArchiveRequest("orders", 30)));
    for (int i = 0; i < 300 && !"t".equals(cluster.psql("postgres",
        "SELECT active FROM pg_replication_slots WHERE slot_name = 'db_runbooks_orders'").strip()); i++) {
      Thread.sleep(100); // until the first call holds the slot
    }
    // Another worker: its own activity environment.
    TestActivityEnvironment otherWorker = TestActivityEnvironment.newInstance();
    otherWorker.registerActivitiesImplementations(impl);
    ActivityFailure e;
    try {
      WalArchiveActivities other = otherWorker.newActivityStub(WalArchiveActivities.class, OPTIONS);
      e = assertThrows(ActivityFailure.class, () -> other.archive(new WalArchiveRequest("orders", 2)));
    } finally {
      otherWorker.close();
    }
    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(WalArchiveActivitiesImpl.SLOT_BUSY, f.getType(), f.getOriginalMessage());
    assertFalse(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("db_runbooks_orders"), f.getOriginalMessage());
    assertTrue(running.get(60, TimeUnit.SECONDS).archivedLsn() != null, "the first call ends normally");
  }

  @Test
  void aCancelledCallUploadsWhatItHoldsAndEndsAsCancelled() throws Exception {
    CompletableFuture<WalArchiveCheckpoint> running = CompletableFuture.supplyAsync(
        () -> activities.archive(new WalArchiveRequest("orders", 600)));
    Thread.sleep(2000);
    Lsn committed = insertRow();
    Thread.sleep(1000);

    env.requestCancelActivity();

    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> running.get(60, TimeUnit.SECONDS), "the call ends long before its 600 s");
    assertTrue(String.valueOf(e.getCause()).toLowerCase().contains("cancel"), String.valueOf(e.getCause()));
    WalListing listing = new WalArchive(store, keys, "orders").list();
    assertTrue(listing.archivedEnd(1, new Lsn(committed.value() - 1)).compareTo(committed) >= 0,
        "the row committed before the cancel is archived");
  }

  @Test
  void anArchiveOfAnotherClusterIsRefusedForGood() throws Exception {
    new WalArchive(store, keys, "foreign").ensureInfo("7000000000000000001", 16 << 20, 150000);

    ActivityFailure e = assertThrows(ActivityFailure.class, () -> activities.archive(new WalArchiveRequest("foreign", 2)));

    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(WalArchiveActivitiesImpl.ARCHIVE_CONFLICT, f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("7000000000000000001"), f.getOriginalMessage());
  }

  @Test
  void anUnknownTargetIsRefusedForGood() {
    ActivityFailure e = assertThrows(ActivityFailure.class, () -> activities.archive(new WalArchiveRequest("billing", 2)));
    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("UnknownTarget", f.getType());
    assertTrue(f.isNonRetryable());
  }
}
