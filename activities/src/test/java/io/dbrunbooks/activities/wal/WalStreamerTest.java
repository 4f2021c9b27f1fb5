package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.aws.MotoServer;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.activities.store.S3BackupStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamer against a real cluster under write load: what it archives is what the server wrote,
 * byte for byte; a new streamer (a new worker) continues exactly where the last one stopped; the slot
 * never lets the server recycle WAL the archive does not hold; and a hole is reported, not hidden.
 */
class WalStreamerTest {
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static String password;
  static LocalKeyring keys;
  static FileBackupStore store;

  @BeforeAll
  static void startCluster() throws Exception {
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    password = Files.readString(cluster.passwordFile()).strip();
    cluster.sql("postgres", "CREATE TABLE events (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz DEFAULT now())");
    store = new FileBackupStore(tmp.resolve("store"));
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  static final List<Running> RUNNING = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A streamer on its own connection and thread, as one worker would run it. */
  static final class Running implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicBoolean killed = new AtomicBoolean();
    final CompletableFuture<WalStreamer.Result> result;

    Running(WalArchive archive, String slot, WalStreamer.Listener listener) {
      this(archive, slot, listener, Duration.ofMillis(200));
    }

    /** Stopped with {@link #kill()}, the streamer dies as a killed worker would: nothing more is uploaded. */
    Running(WalArchive archive, String slot, WalStreamer.Listener listener, Duration flushInterval) {
      WalStreamer streamer = new WalStreamer(() -> DriverManager.getConnection(cluster.jdbcUrl("postgres"),
          ReplicationConnections.properties(LocalCluster.SUPERUSER, password, "disable")), archive, slot, flushInterval);
      result = CompletableFuture.supplyAsync(() -> {
        try {
          return streamer.run(() -> {
            if (killed.get()) {
              throw new IllegalStateException("kill -9");
            }
            return !stop.get();
          }, listener);
        } catch (IOException | SQLException e) {
          throw new IllegalStateException(e);
        }
      }, r -> new Thread(r, "streamer-" + slot).start());
      RUNNING.add(this);
    }

    WalStreamer.Result stop() throws Exception {
      stop.set(true);
      try {
        return result.get(60, TimeUnit.SECONDS);
      } finally {
        RUNNING.remove(this);
      }
    }

    void kill() {
      killed.set(true);
      assertThrows(ExecutionException.class, () -> result.get(60, TimeUnit.SECONDS));
      RUNNING.remove(this);
    }

    @Override
    public void close() throws Exception {
      if (!result.isDone()) {
        stop();
      }
    }
  }

  static WalArchive archive(String target) {
    return new WalArchive(store, keys, target);
  }

  @Test
  void archivesIntoS3TheSameWay() throws Exception {
    try (MotoServer moto = MotoServer.start(tmp.resolve("moto"))) {
      WalArchive archive = new WalArchive(new S3BackupStore(moto.s3(), "s3://" + moto.bucket("wal", false) + "/prod"), keys, "s3");
      String slot = "wal_test_s3";
      Lsn first;
      WalStreamer.Result a;
      try (Running run = new Running(archive, slot, p -> { })) {
        first = slotRestart(slot);
        writeLoad(1_000);
        cluster.sql("postgres", "SELECT pg_switch_wal()");
        writeLoad(200);
        awaitArchived(archive, first, currentLsn());
        a = run.stop();
      }
      Lsn written;
      try (Running run = new Running(archive, slot, p -> { })) {
        writeLoad(300);
        written = currentLsn();
        awaitArchived(archive, first, written);
        assertEquals(a.position().archivedEnd(), run.stop().startLsn());
      }
      WalListing listing = archive.list();
      assertTrue(listing.firstMissing(1, first, written).isEmpty());
      assertTrue(assertSameAsServer(archive, listing) >= 1);
      assertEquals(List.of(), new WalVerifier(archive).verify(true).problems());
    }
  }

  static Lsn currentLsn() throws SQLException {
    return Lsn.parse(query("SELECT pg_current_wal_lsn()::text"));
  }

  /** The slot's restart_lsn, waiting (bounded) for the streamer to create it. */
  static Lsn slotRestart(String slot) throws Exception {
    for (int i = 0; i < 600; i++) {
      String lsn = query("SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
      if (lsn != null) {
        return Lsn.parse(lsn);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("slot " + slot + " was never created");
  }

  /** Each test's slot goes with it, so it holds no WAL for the next. */
  @AfterEach
  void dropSlots() throws Exception {
    for (int i = 0; i < 100; i++) {
      String left = query("SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE slot_name LIKE 'wal_test_%' AND NOT active");
      if (left != null) {
        for (String slot : left.split(",")) {
          cluster.sql("postgres", "SELECT pg_drop_replication_slot('" + slot + "')");
        }
      }
      if (query("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'wal_test_%'").equals("0")) {
        return;
      }
      Thread.sleep(100);
    }
  }

  static String query(String sql) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Commits {@code rows} rows of ~1 KiB, one transaction each batch of 100. */
  static void writeLoad(int rows) throws SQLException {
    for (int done = 0; done < rows; done += 100) {
      cluster.sql("postgres", "INSERT INTO events (payload) SELECT repeat(md5(g::text), 32) FROM generate_series(1, 100) g");
    }
  }

  /** Waits (bounded) until the archive holds WAL up to {@code lsn} on timeline 1. */
  static Lsn awaitArchived(WalArchive archive, Lsn from, Lsn lsn) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Lsn end = archivedFrom(archive, from);
      if (end != null && end.compareTo(lsn) >= 0) {
        return end;
      }
      for (Running r : RUNNING) {
        if (r.result.isCompletedExceptionally()) {
          r.result.get(); // throws: say why the streamer stopped instead of waiting for nothing
        }
      }
      assertTrue(System.nanoTime() < deadline, "the archive did not reach " + lsn + " (it ends at " + end + ")");
      Thread.sleep(100);
    }
  }

  /** The archive's contiguous end on timeline 1, walking from {@code from}. */
  static Lsn archivedFrom(WalArchive archive, Lsn from) throws IOException {
    WalListing listing = archive.list();
    // From a slot position at a segment boundary, the archive's run ends in the segment before it.
    return later(listing.archivedEnd(1, from), from.value() == 0 ? null : listing.archivedEnd(1, new Lsn(from.value() - 1)));
  }

  static Lsn later(Lsn a, Lsn b) {
    return a == null ? b : b == null ? a : a.compareTo(b) >= 0 ? a : b;
  }

  /** After every upload: the slot must not be ahead of what the archive lists. */
  static WalStreamer.Listener slotNeverAhead(WalArchive archive, String slot, List<String> violations) {
    return p -> {
      try {
        Lsn restart = slotRestart(slot);
        Lsn listed = archive.list().archivedEnd(p.timeline(), new Lsn(restart.value() - 1));
        if (listed == null || restart.compareTo(listed) > 0 || restart.compareTo(p.archivedEnd()) > 0) {
          violations.add("slot restart_lsn " + restart + " is ahead of the archive (" + listed + ", reported " + p.archivedEnd() + ")");
        }
      } catch (Exception e) {
        violations.add(e.toString());
      }
    };
  }

  @Test
  void aNewStreamerContinuesExactlyWhereTheLastStoppedWithNoGapAndTheSlotNeverAhead() throws Exception {
    WalArchive archive = archive("restarts");
    String slot = "wal_test_restarts";
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    Lsn first;
    WalStreamer.Result a;
    try (Running run = new Running(archive, slot, slotNeverAhead(archive, slot, violations))) {
      first = slotRestart(slot);
      writeLoad(2_000);
      cluster.sql("postgres", "SELECT pg_switch_wal()");
      writeLoad(500);
      Lsn written = currentLsn();
      awaitArchived(archive, first, written);
      writeLoad(300); // still in flight when the first streamer stops mid-segment
      a = run.stop();
    }
    assertTrue(a.gaps().isEmpty(), a.gaps().toString());
    assertTrue(a.position().segmentsArchived() >= 1, "the switched segment was stored whole");

    Lsn written;
    WalStreamer.Result b;
    try (Running run = new Running(archive, slot, slotNeverAhead(archive, slot, violations))) {
      writeLoad(1_500);
      cluster.sql("postgres", "SELECT pg_switch_wal()");
      writeLoad(200);
      written = currentLsn();
      awaitArchived(archive, first, written);
      b = run.stop();
    }

    assertEquals(a.position().archivedEnd(), b.startLsn(), "the second streamer starts where the first one's archive ends");
    assertTrue(b.gaps().isEmpty(), b.gaps().toString());
    assertEquals(List.of(), violations);
    WalListing listing = archive.list();
    assertEquals(List.of(), listing.gaps(1).stream().map(g -> g[0] + ".." + g[1]).toList());
    assertEquals(List.of(), listing.unrecognized());
    assertTrue(listing.firstMissing(1, first, written).isEmpty(), "everything from the slot's start to the last write is archived");
    for (WalSegment s : listing.partials().keySet()) {
      assertTrue(!listing.segments().containsKey(s), "deltas of complete segment " + s + " were left behind");
    }
    assertTrue(listing.segments().size() >= 2, listing.segments().toString());
    WalVerifier.Report deep = new WalVerifier(archive).verify(true);
    assertEquals(List.of(), deep.problems(), "`runbooks wal verify --deep` finds nothing wrong");
    // Including the segment the second streamer completed from the first one's deltas.
    WalSegment straddling = WalSegment.containing(1, a.position().archivedEnd().value(), 16 << 20);
    assertTrue(listing.segments().containsKey(straddling), straddling + " was completed by the second streamer");
    Path fetched = tmp.resolve("straddling-" + straddling.name());
    assertTrue(archive.fetch(straddling.name(), fetched));
    assertArrayEquals(Files.readAllBytes(cluster.dataDirectory().resolve("pg_wal").resolve(straddling.name())),
        Files.readAllBytes(fetched), "the head from the first streamer's deltas and the tail from the second make the server's segment");
  }

  @Test
  void aStreamerKilledBetweenReceivingAndUploadingLosesNothing() throws Exception {
    WalArchive archive = archive("killed");
    String slot = "wal_test_killed";
    Lsn first;
    Lsn committed;
    Lsn archivedAtKill;
    // Flushing hourly: only complete segments are uploaded, so the kill finds received WAL not yet in the archive.
    try (Running run = new Running(archive, slot, p -> { }, Duration.ofHours(1))) {
      first = slotRestart(slot);
      writeLoad(1_000);
      cluster.sql("postgres", "SELECT pg_switch_wal()");
      cluster.sql("postgres", "INSERT INTO events (payload) VALUES ('committed just before the worker died')");
      committed = currentLsn();
      awaitArchived(archive, first, new Lsn(WalSegment.containing(1, committed.value(), 16 << 20).startLsn()));
      Thread.sleep(500); // the row's WAL reaches the streamer's buffer, not the archive
      run.kill();
      archivedAtKill = archivedFrom(archive, first);
    }
    assertTrue(archivedAtKill.compareTo(committed) < 0, "the row was not archived before the kill: " + archivedAtKill);
    assertTrue(slotRestart(slot).compareTo(archivedAtKill) <= 0, "the slot was not told about WAL the archive lacks");
    // The killed walsender lets go of the slot a moment later, as a retried activity finds it.
    for (int i = 0; i < 300 && !"f".equals(cluster.psql("postgres",
        "SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'").strip()); i++) {
      Thread.sleep(100);
    }

    try (Running run = new Running(archive, slot, p -> { })) {
      awaitArchived(archive, first, committed);
      WalStreamer.Result r = run.stop();
      assertEquals(archivedAtKill, r.startLsn(), "the new worker starts where the archive ends");
      assertEquals(List.of(), r.gaps());
    }
    assertTrue(archive.list().firstMissing(1, first, committed).isEmpty());
  }

  @Test
  void archivedSegmentsAreTheServersOwnBytes() throws Exception {
    WalArchive archive = archive("bytes");
    String slot = "wal_test_bytes";
    Lsn from;
    try (Running run = new Running(archive, slot, p -> { })) {
      from = slotRestart(slot);
      for (int i = 0; i < 2; i++) {
        writeLoad(1_000);
        cluster.sql("postgres", "SELECT pg_switch_wal()");
      }
      writeLoad(100);
      awaitArchived(archive, from, currentLsn());
      run.stop();
    }
    WalListing listing = archive.list();
    int compared = assertSameAsServer(archive, listing);
    assertTrue(compared >= 2, "compared " + compared + " segments of " + listing.segments().keySet());

    // The segment being filled: its deltas hold exactly the server's bytes so far.
    WalSegment current = listing.partialEnds().lastKey();
    int end = listing.partialEnds().get(current);
    byte[] server = Arrays.copyOf(Files.readAllBytes(cluster.dataDirectory().resolve("pg_wal").resolve(current.name())), end);
    assertArrayEquals(server, archive.readArchived(current));
  }

  /** Fetches every complete segment the server still has in pg_wal and compares; returns how many. */
  static int assertSameAsServer(WalArchive archive, WalListing listing) throws IOException {
    int compared = 0;
    for (WalSegment s : listing.segments().keySet()) {
      Path onServer = cluster.dataDirectory().resolve("pg_wal").resolve(s.name());
      if (!Files.exists(onServer)) {
        continue; // recycled since: the slot allowed it, the archive had it
      }
      Path fetched = tmp.resolve("fetched-" + archive.location().hashCode() + "-" + s.name());
      assertTrue(archive.fetch(s.name(), fetched));
      assertArrayEquals(Files.readAllBytes(onServer), Files.readAllBytes(fetched), "segment " + s + " differs from pg_wal");
      compared++;
    }
    return compared;
  }

  @Test
  void aCommittedRowReachesTheArchivesDeltasWhileTheStreamerRuns() throws Exception {
    WalArchive archive = archive("recent");
    String slot = "wal_test_recent";
    try (Running run = new Running(archive, slot, p -> { })) {
      Lsn from = slotRestart(slot);
      cluster.sql("postgres", "INSERT INTO events (payload) VALUES ('the row that must not be lost')");
      Lsn committed = currentLsn();

      Lsn end = awaitArchived(archive, from, committed);

      assertTrue(end.compareTo(committed) >= 0);
      assertTrue(archive.list().partialEnds().containsKey(WalSegment.containing(1, committed.value(), 16 << 20)),
          "the row's segment is not full yet: it is in the archive as deltas");
    }
  }

  @Test
  void aSecondStreamerOnTheSameSlotIsRefusedByTheServer() throws Exception {
    WalArchive archive = archive("twice");
    String slot = "wal_test_twice";
    try (Running first = new Running(archive, slot, p -> { })) {
      writeLoad(100);
      awaitArchived(archive, slotRestart(slot),
          currentLsn());
      Running second = new Running(archive, slot, p -> { });
      ExecutionException e = assertThrows(ExecutionException.class, () -> second.result.get(60, TimeUnit.SECONDS));
      RUNNING.remove(second);
      SQLException cause = (SQLException) e.getCause().getCause();
      assertEquals("55006", cause.getSQLState(), cause.getMessage());
      assertTrue(cause.getMessage().contains("is active"), cause.getMessage());
      assertTrue(!first.result.isDone(), "the first streamer goes on");
    }
  }

  @Test
  void anArchiveThatEndsBeforeWhatTheServerStillHasReportsTheGapAndGoesOn() throws Exception {
    WalArchive archive = archive("gap");
    String slot = "wal_test_gap";
    WalStreamer.Result before;
    try (Running run = new Running(archive, slot, p -> { })) {
      writeLoad(100);
      awaitArchived(archive, slotRestart(slot),
          currentLsn());
      before = run.stop();
    }
    // The archiver was away and its slot dropped: the server recycles what the archive never got.
    cluster.sql("postgres", "SELECT pg_drop_replication_slot('" + slot + "')");
    for (int i = 0; i < 3; i++) {
      writeLoad(100);
      cluster.sql("postgres", "SELECT pg_switch_wal()", "CHECKPOINT");
    }
    WalSegment lost = WalSegment.containing(1, before.position().archivedEnd().value(), 16 << 20);
    assertTrue(!Files.exists(cluster.dataDirectory().resolve("pg_wal").resolve(lost.name())), "the server kept " + lost);

    WalStreamer.Result after;
    try (Running run = new Running(archive, slot, p -> { })) {
      writeLoad(100);
      Lsn written = currentLsn();
      awaitArchived(archive, written, written);
      after = run.stop();
    }

    assertEquals(1, after.gaps().size(), after.gaps().toString());
    assertTrue(after.gaps().get(0).startsWith("WAL " + lost.name()), after.gaps().get(0));
    assertTrue(after.gaps().get(0).contains("the archive ends at " + before.position().archivedEnd()), after.gaps().get(0));
    assertNotNull(archive.list().archivedEnd(1, after.startLsn()), "archiving went on after the gap");
  }
}
