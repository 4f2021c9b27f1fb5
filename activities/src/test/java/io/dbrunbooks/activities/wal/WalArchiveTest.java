package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive's layout and guarantees on a file store: what is put comes back byte for byte, or is refused. */
class WalArchiveTest {
  static final int SEG = 16 << 20;
  @TempDir Path tmp;
  FileBackupStore store;
  LocalKeyring keys;
  WalArchive archive;

  @BeforeEach
  void setUp() throws Exception {
    store = new FileBackupStore(tmp.resolve("store"));
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    archive = new WalArchive(store, keys, "orders");
    archive.ensureInfo("7312345678901234567", SEG, 150018);
  }

  @Test
  void segmentNamesFollowPostgresql() {
    WalSegment s = WalSegment.parse("000000010000000A000000FF", SEG);
    assertEquals(1, s.timeline());
    assertEquals(0xA * 256L + 0xFF, s.segNo());
    assertEquals("000000010000000A000000FF", s.name());
    assertEquals("000000010000000B00000000", s.next().name());
    assertEquals(s, WalSegment.containing(1, Lsn.parse("A/FF123456").value(), SEG));
    assertEquals("A/FF000000", new Lsn(s.startLsn()).toString());
    assertEquals(0x123456, s.offsetOf(Lsn.parse("A/FF123456").value()));
    assertEquals("16/B374D848", Lsn.parse("16/B374D848").toString());
    assertThrows(IllegalArgumentException.class, () -> WalSegment.parse("000000010000000A00000100", SEG));
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse("B374D848"));
  }

  @Test
  void completeSegmentComesBackByteForByteAndEncrypted() throws Exception {
    WalSegment s = seg(3);
    byte[] content = random(SEG, 1);
    archive.putSegment(s, content);
    archive.putSegment(s, content); // a retry after a lost acknowledgement: same bytes, no error, one object

    WalListing listing = archive.list();
    assertEquals(List.of(s), List.copyOf(listing.segments().keySet()));
    String key = listing.segments().get(s);
    assertTrue(key.startsWith("orders/wal/0000000100000000/000000010000000000000003-"), key);
    byte[] stored = Files.readAllBytes(tmp.resolve("store").resolve(key));
    assertFalse(indexOf(stored, Arrays.copyOf(content, 64)) >= 0, "segment bytes must not appear in the clear");

    Path dest = tmp.resolve("pg_wal_RECOVERYXLOG");
    assertTrue(archive.fetch(s.name(), dest));
    assertArrayEquals(content, Files.readAllBytes(dest));
    assertFalse(archive.fetch(seg(4).name(), tmp.resolve("missing")));
    assertFalse(Files.exists(tmp.resolve("missing")));
  }

  @Test
  void deltasAssembleIntoAZeroPaddedSegmentAndGoWhenTheSegmentCompletes() throws Exception {
    WalSegment s = seg(7);
    byte[] content = random(SEG, 2);
    archive.putPartial(s, 0, Arrays.copyOfRange(content, 0, 8192), 8192);
    archive.putPartial(s, 8192, Arrays.copyOfRange(content, 8192, 40000), 40000 - 8192);
    archive.putPartial(s, 8192, Arrays.copyOfRange(content, 8192, 40000), 40000 - 8192); // retried upload
    archive.putPartial(s, 50000, Arrays.copyOfRange(content, 50000, 60000), 10000); // beyond a hole: unusable

    WalListing listing = archive.list();
    assertEquals(40000, listing.partialEnds().get(s));
    assertEquals(new Lsn(s.startLsn() + 40000), listing.archivedEnd(1, new Lsn(s.startLsn())));
    Path dest = tmp.resolve("seg");
    assertTrue(archive.fetch(s.name(), dest));
    byte[] fetched = Files.readAllBytes(dest);
    assertEquals(SEG, fetched.length);
    assertArrayEquals(Arrays.copyOf(content, 40000), Arrays.copyOf(fetched, 40000));
    assertTrue(Arrays.equals(new byte[SEG - 40000], Arrays.copyOfRange(fetched, 40000, SEG)), "zero padding after the archived end");

    archive.putSegment(s, content);
    listing = archive.list();
    assertTrue(listing.partials().isEmpty(), "the complete segment replaces its deltas");
    assertEquals(new Lsn(s.endLsn()), listing.archivedEnd(1, new Lsn(s.startLsn())));
  }

  @Test
  void coverageNamesTheFirstMissingSegment() throws Exception {
    for (int i : new int[] {1, 2, 3, 5}) {
      archive.putSegment(seg(i), random(SEG, i));
    }
    WalListing listing = archive.list();
    assertEquals(Optional.empty(), listing.firstMissing(1, new Lsn(seg(1).startLsn() + 100), new Lsn(seg(3).startLsn() + 5)));
    assertEquals(Optional.of(seg(4)), listing.firstMissing(1, new Lsn(seg(2).startLsn()), new Lsn(seg(5).startLsn() + 5)));
    assertEquals(Optional.of(seg(6)), listing.firstMissing(1, new Lsn(seg(5).startLsn()), new Lsn(seg(6).startLsn())));
    assertEquals(new Lsn(seg(3).endLsn()), listing.archivedEnd(1, new Lsn(seg(1).startLsn())));
    assertNull(listing.archivedEnd(1, new Lsn(seg(4).startLsn())));
    List<WalSegment[]> gaps = listing.gaps(1);
    assertEquals(1, gaps.size());
    assertEquals(seg(4), gaps.get(0)[0]);
    assertEquals(seg(4), gaps.get(0)[1]);
  }

  @Test
  void prefetchReadsTheFollowingCompleteSegmentsIntoTheSpoolAndStopsAtTheOneBeingFilled() throws Exception {
    for (int i = 1; i <= 5; i++) {
      archive.putSegment(seg(i), random(SEG, i));
    }
    archive.putPartial(seg(6), 0, random(SEG, 6), 8192);
    Path spool = tmp.resolve("spool");
    assertEquals(4, archive.prefetch(seg(1), 10, spool, 2));
    for (int i = 2; i <= 5; i++) {
      assertArrayEquals(random(SEG, i), Files.readAllBytes(spool.resolve(seg(i).name())), seg(i).name());
    }
    assertFalse(Files.exists(spool.resolve(seg(6).name())), "a segment still being filled is fetched fresh when asked for");
    try (java.util.stream.Stream<Path> files = Files.list(spool)) {
      assertEquals(4, files.count(), "no temporary file left behind");
    }
    assertEquals(0, archive.prefetch(seg(1), 10, spool, 2), "what is in the spool is not read again");
  }

  @Test
  void aDamagedObjectIsRefusedNamingIt() throws Exception {
    WalSegment s = seg(9);
    archive.putSegment(s, random(SEG, 9));
    Path file = tmp.resolve("store").resolve(archive.list().segments().get(s));
    byte[] stored = Files.readAllBytes(file);
    stored[stored.length / 2] ^= 1;
    Files.write(file, stored);
    WalArchiveException e = assertThrows(WalArchiveException.class, () -> archive.fetch(s.name(), tmp.resolve("x")));
    assertTrue(e.getMessage().contains(s.name()) && e.getMessage().contains("damaged"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void otherContentUnderAnArchivedNameIsAConflict() throws Exception {
    archive.putSegment(seg(1), random(SEG, 1));
    WalArchiveException e = assertThrows(WalArchiveException.class, () -> archive.putSegment(seg(1), random(SEG, 2)));
    assertTrue(e.getMessage().contains("already archived with other content"), e.getMessage());
    assertEquals(1, archive.list().segments().size());
  }

  @Test
  void anotherClusterIsRefused() throws Exception {
    WalArchiveException e = assertThrows(WalArchiveException.class, () -> archive.ensureInfo("7399999999999999999", SEG, 150018));
    assertTrue(e.getMessage().contains("7312345678901234567") && e.getMessage().contains("re-created"), e.getMessage());
    assertEquals("7312345678901234567", archive.ensureInfo("7312345678901234567", SEG, 150020).systemIdentifier());
  }

  @Test
  void historyFilesAreArchivedByTimeline() throws Exception {
    byte[] history = "1\t0/3000000\tno recovery target specified\n".getBytes();
    archive.putHistory(2, history);
    archive.putHistory(2, history);
    assertEquals(List.of(2), List.copyOf(archive.list().histories().keySet()));
    Path dest = tmp.resolve("h");
    assertTrue(archive.fetch("00000002.history", dest));
    assertArrayEquals(history, Files.readAllBytes(dest));
    assertFalse(archive.fetch("00000003.history", dest.resolveSibling("h3")));
  }

  @Test
  void walFetchMainReportsFetchedMissingAndFailure() throws Exception {
    archive.putSegment(seg(1), random(SEG, 1));
    Path targets = tmp.resolve("targets.yaml");
    Files.writeString(targets, String.join("\n",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: {host: 127.0.0.1, port: 5432, database: orders, user: backup}",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: {keyring: \"" + tmp.resolve("keyring.json") + "\"}", ""));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true);
    int fetched = WalFetchMain.runArgs(List.of("--targets", targets.toString(), "--target", "orders", seg(1).name(),
        tmp.resolve("RECOVERYXLOG").toString()), errs);
    assertEquals(WalFetchMain.FETCHED, fetched, err.toString());
    assertEquals(SEG, Files.size(tmp.resolve("RECOVERYXLOG")));
    assertEquals(WalFetchMain.NOT_FOUND, WalFetchMain.run(targets, "orders", seg(2).name(), tmp.resolve("y"), errs));
    assertEquals(WalFetchMain.FAILED, WalFetchMain.run(targets, "billing", seg(1).name(), tmp.resolve("z"), errs));
    assertTrue(err.toString().contains("billing"), err.toString());

    // The worker-jar form, as a restore_command with %p and %f swapped runs it.
    err.reset();
    assertEquals(WalFetchMain.BAD_ARGUMENTS, WalFetchMain.runArgs(List.of("--targets", targets.toString(), "--target",
        "orders", "pg_wal/RECOVERYXLOG", seg(1).name()), errs));
    assertTrue(err.toString().contains("'pg_wal/RECOVERYXLOG', a path"), err.toString());
    assertFalse(Files.exists(tmp.resolve(seg(1).name())));
    assertEquals(WalFetchMain.BAD_ARGUMENTS, WalFetchMain.runArgs(List.of("--targets", targets.toString(), seg(1).name()), errs));
  }

  private static WalSegment seg(long n) {
    return new WalSegment(1, n, SEG);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
