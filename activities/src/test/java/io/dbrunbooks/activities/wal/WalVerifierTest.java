package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `runbooks wal verify`'s checks on archives built segment by segment, each with one thing wrong. */
class WalVerifierTest {
  static final int SEG = 16 << 20;
  @TempDir Path tmp;
  WalArchive archive;

  @BeforeEach
  void setUp() throws Exception {
    archive = new WalArchive(new FileBackupStore(tmp.resolve("store")), LocalKeyring.create(tmp.resolve("keyring.json")), "orders");
    archive.ensureInfo("7312345678901234567", SEG, 150018);
  }

  /** A segment whose first page header says what it is, as PostgreSQL writes it. */
  static byte[] segment(int tli, long segNo) {
    byte[] b = new byte[SEG];
    ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    h.putShort(0, (short) 0xD110).putInt(4, tli).putLong(8, segNo * SEG);
    b[100] = (byte) segNo;
    return b;
  }

  void put(int tli, long... segNos) throws Exception {
    for (long n : segNos) {
      archive.putSegment(new WalSegment(tli, n, SEG), segment(tli, n));
    }
  }

  List<String> problems(boolean deep) throws Exception {
    return new WalVerifier(archive).verify(deep).problems().stream().map(p -> p.kind() + ": " + p.message()).toList();
  }

  @Test
  void aContinuousArchiveWithItsDeltasPassesEvenDeep() throws Exception {
    put(1, 1, 2, 3);
    archive.putPartial(new WalSegment(1, 4, SEG), 0, segment(1, 4), 8192);

    WalVerifier.Report r = new WalVerifier(archive).verify(true);

    assertEquals(List.of(), r.problems());
    assertEquals(4, r.objectsRead());
    WalVerifier.TimelineSpan t = r.timelines().get(0);
    assertEquals("000000010000000000000001", t.firstSegment());
    assertEquals("000000010000000000000003", t.lastSegment());
    assertEquals("000000010000000000000004", t.partialSegment());
    assertEquals("0/4002000", t.archivedEnd());
  }

  @Test
  void aMissingSegmentIsNamed() throws Exception {
    put(1, 1, 2, 5);

    assertEquals(List.of("gap: timeline 1 lacks 2 segments 000000010000000000000003..000000010000000000000004: a restore"
        + " cannot replay past 0/3000000"), problems(false));
  }

  @Test
  void aSegmentWhoseTailWasNeverUploadedIsAGap() throws Exception {
    put(1, 1);
    archive.putPartial(new WalSegment(1, 2, SEG), 0, segment(1, 2), 4096);
    put(1, 3);

    assertEquals(List.of("gap: timeline 1: segment 000000010000000000000002 is archived only up to 0/2001000 while later WAL"
        + " is archived; its remaining 16773120 bytes are missing"), problems(false));
  }

  @Test
  void aNewTimelineNeedsItsHistoryAndItsParentUpToTheSwitch() throws Exception {
    put(1, 1, 2);
    put(2, 4, 5);
    assertEquals(List.of("timeline: timeline 2 has WAL but the archive has no 00000002.history: a restore cannot follow the switch to it"),
        problems(false));

    archive.putHistory(2, "1\t0/4000A28\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("timeline: timeline 1 is archived only up to 0/3000000, short of the switch point 0/4000A28 to timeline 2;"
        + " missing 000000010000000000000003..000000010000000000000003"), problems(false));

    put(1, 3);
    assertEquals(List.of(), problems(true));
  }

  @Test
  void deepNamesADamagedObjectAndASegmentStoredUnderAnotherName() throws Exception {
    put(1, 1, 2);
    archive.putSegment(new WalSegment(1, 3, SEG), segment(1, 7));
    String key = archive.list().segments().get(new WalSegment(1, 2, SEG));
    Path stored = tmp.resolve("store").resolve(key);
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length - 20] ^= 1;
    Files.write(stored, bytes);

    assertEquals(List.of(), problems(false), "a listing alone cannot see either");
    List<String> deep = problems(true);
    assertEquals(2, deep.size(), deep.toString());
    assertTrue(deep.get(0).startsWith("damaged: ") && deep.get(0).contains("000000010000000000000002"), deep.get(0));
    assertTrue(deep.get(1).contains("its first page says timeline 1 at 0/7000000, not timeline 1 at 0/3000000"), deep.get(1));
  }

  /**
   * A promotion at 0/4000A28, mid-segment: PostgreSQL copies timeline 1's segment up to there into
   * timeline 2's, so that segment opens with timeline 1's page header. Intact, not damaged; a
   * timeline-1 header anywhere else on timeline 2, or another timeline's in that segment, is damage.
   */
  @Test
  void deepAcceptsTheParentsFirstPageInTheSegmentWhereTheTimelineBranchedAndNowhereElse() throws Exception {
    put(1, 1, 2, 3, 4);
    archive.putHistory(2, "1\t0/4000A28\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));
    archive.putSegment(new WalSegment(2, 4, SEG), segment(1, 4)); // the copy
    put(2, 5);
    assertEquals(List.of(), problems(true));

    archive.putSegment(new WalSegment(2, 6, SEG), segment(1, 6)); // after the switch: timeline 1 has no business here
    archive.putSegment(new WalSegment(3, 7, SEG), segment(1, 7));
    archive.putHistory(3, "1\t0/4000A28\tno recovery target specified\n2\t0/7000100\tno recovery target specified\n"
        .getBytes(StandardCharsets.UTF_8));
    put(2, 7); // timeline 2 up to its switch point, so only the headers are wrong
    List<String> deep = problems(true);
    assertEquals(2, deep.size(), deep.toString());
    assertTrue(deep.get(0).contains("segment 000000020000000000000006") && deep.get(0).contains("its first page says timeline 1"
        + " at 0/6000000, not timeline 2 at 0/6000000"), deep.get(0));
    assertTrue(deep.get(1).contains("segment 000000030000000000000007") && deep.get(1).contains("not timeline 2 at 0/7000000"
        + " (the switch to timeline 3 is in this segment: PostgreSQL copied it from timeline 2)"), deep.get(1));
  }

  @Test
  void aHistoryFileThatDoesNotParseIsReportedNotThrown() throws Exception {
    put(1, 1, 2);
    put(2, 2, 3);
    archive.putHistory(2, "1\tnot-an-lsn\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));

    assertEquals(List.of("timeline: 00000002.history cannot be used: its line '1\tnot-an-lsn\tno recovery target specified'"
        + " is not '<parent timeline> <switch LSN> <reason>'"), problems(true));
  }

  @Test
  void anEmptyArchiveIsAProblem() throws Exception {
    List<String> p = problems(false);
    assertEquals(1, p.size());
    assertTrue(p.get(0).startsWith("empty: no WAL is archived"), p.get(0));
    assertFalse(new WalVerifier(archive).verify(false).ok());
  }
}
