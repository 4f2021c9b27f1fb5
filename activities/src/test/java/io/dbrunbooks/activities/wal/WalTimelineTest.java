package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target that is a standby, promoted while archived: the archiver follows it onto the new
 * timeline, stores the history file, and the archive stays continuous across the switch.
 */
class WalTimelineTest {
  static final int SEG = 16 << 20;
  @TempDir static Path tmp;
  static LocalCluster primary;
  static LocalCluster standby;
  static String password;

  @BeforeAll
  static void start() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    primary = LocalCluster.start(tmp.resolve("primary"));
    password = Files.readString(primary.passwordFile()).strip();
    primary.sql("postgres", "CREATE TABLE events (id bigserial PRIMARY KEY, payload text)");
    standby = primary.startStandby(tmp.resolve("standby"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (standby != null) {
      standby.close();
    }
    if (primary != null) {
      primary.close();
    }
  }

  static String query(LocalCluster c, String sql) throws Exception {
    try (Connection conn = c.connect("postgres"); Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static CompletableFuture<WalStreamer.Result> stream(WalArchive archive, AtomicBoolean stop) {
    WalStreamer streamer = new WalStreamer(() -> DriverManager.getConnection(standby.jdbcUrl("postgres"),
        ReplicationConnections.properties(LocalCluster.SUPERUSER, password, "disable")), archive, "wal_test_standby",
        Duration.ofMillis(200));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return streamer.run(() -> !stop.get(), p -> { });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Waits (bounded) until the archive's newest WAL on {@code tli} reaches {@code lsn}. */
  static void awaitArchived(WalArchive archive, int tli, Lsn lsn, CompletableFuture<?> streamer) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Lsn end = WalVerifier.lastArchived(archive.list(), tli);
      if (end != null && end.compareTo(lsn) >= 0) {
        return;
      }
      if (streamer.isCompletedExceptionally()) {
        streamer.get();
      }
      assertTrue(System.nanoTime() < deadline, "timeline " + tli + " of the archive did not reach " + lsn + " (it ends at " + end + ")");
      Thread.sleep(100);
    }
  }

  @Test
  void aPromotedStandbyIsFollowedOntoItsNewTimelineWithNoBreak() throws Exception {
    WalArchive archive = new WalArchive(new FileBackupStore(tmp.resolve("store")), LocalKeyring.create(tmp.resolve("keyring.json")),
        "orders");
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<WalStreamer.Result> onOne = stream(archive, stop);
    primary.sql("postgres", "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 5000) g", "SELECT pg_switch_wal()");
    primary.sql("postgres", "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 500) g");
    Lsn beforePromotion = Lsn.parse(query(primary, "SELECT pg_current_wal_lsn()::text"));
    awaitArchived(archive, 1, beforePromotion, onOne);

    // Failover: the standby becomes a primary on timeline 2; the old primary is gone.
    primary.stop();
    assertEquals("t", query(standby, "SELECT pg_promote(true, 60)"));
    // The stream of timeline 1 ends; the archiver's next run (the activity's retry) takes over.
    java.util.concurrent.ExecutionException ended = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class, () -> onOne.get(60, TimeUnit.SECONDS));
    assertTrue(String.valueOf(ended.getCause()).contains("timeline") || String.valueOf(ended.getCause()).contains("WAL"),
        String.valueOf(ended.getCause()));

    // The aborted walsender lets go of the slot a moment later; the activity's retry (1 s backoff) waits the same way.
    for (int i = 0; i < 300 && !"f".equals(query(standby, "SELECT active FROM pg_replication_slots WHERE slot_name = 'wal_test_standby'")); i++) {
      Thread.sleep(100);
    }
    CompletableFuture<WalStreamer.Result> onTwo = stream(archive, stop);
    standby.sql("postgres", "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 2000) g");
    // Complete the segment the promotion happened in, so it is archived whole on timeline 2 and --deep reads its header.
    standby.sql("postgres", "SELECT pg_switch_wal()");
    standby.sql("postgres", "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 500) g");
    Lsn afterPromotion = Lsn.parse(query(standby, "SELECT pg_current_wal_lsn()::text"));
    awaitArchived(archive, 2, afterPromotion, onTwo);
    stop.set(true);
    WalStreamer.Result two = onTwo.get(60, TimeUnit.SECONDS);

    assertEquals(2, two.position().timeline());
    assertEquals(List.of(), two.gaps());
    WalListing listing = archive.list();
    assertTrue(listing.histories().containsKey(2), "00000002.history is archived");
    Path history = tmp.resolve("00000002.history");
    assertTrue(archive.fetch("00000002.history", history));
    assertEquals(Files.readString(standby.dataDirectory().resolve("pg_wal/00000002.history")), Files.readString(history));
    // The promotion fell mid-segment: PostgreSQL copied timeline 1's segment up to the switch point
    // into timeline 2's, whose first page therefore says timeline 1. That is intact WAL, not damage.
    Lsn switchPoint = WalVerifier.Branch.parse(Files.readString(history)).switchPoint();
    WalSegment switchSegment = WalSegment.containing(2, switchPoint.value(), SEG);
    assertTrue(switchPoint.value() > switchSegment.startLsn(), "promoted mid-segment at " + switchPoint);
    assertTrue(listing.segments().containsKey(switchSegment), switchSegment + " is archived whole on timeline 2");
    Path copied = tmp.resolve("switch-segment");
    assertTrue(archive.fetch(switchSegment.name(), copied));
    assertEquals(1, java.nio.ByteBuffer.wrap(Files.readAllBytes(copied)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4),
        "the first page of " + switchSegment + " is timeline 1's");
    WalVerifier.Report report = new WalVerifier(archive).verify(true);
    assertEquals(List.of(), report.problems(), "no gap and no timeline break across the promotion");
    assertEquals(List.of(1, 2), report.timelines().stream().map(WalVerifier.TimelineSpan::timeline).toList());
  }
}
