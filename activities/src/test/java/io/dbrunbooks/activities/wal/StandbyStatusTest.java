package io.dbrunbooks.activities.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

/** The StandbyStatusUpdate bytes as PostgreSQL's protocol documentation lays them out. */
class StandbyStatusTest {
  @Test
  void theUpdateCarriesThePositionsAndTheWallClockSince2000() {
    Instant now = Instant.parse("2026-12-02T15:00:00.123456Z");
    ByteBuffer m = ByteBuffer.wrap(StandbyStatus.message(LogSequenceNumber.valueOf("0/3000100"),
        LogSequenceNumber.valueOf("0/3000000"), now, true));
    assertEquals('r', m.get());
    assertEquals(0x3000100L, m.getLong(), "write");
    assertEquals(0x3000000L, m.getLong(), "flush");
    assertEquals(0L, m.getLong(), "apply: none, the archiver replays nothing");
    long micros = m.getLong();
    assertEquals(now, Instant.parse("2000-01-01T00:00:00Z").plusNanos(micros * 1000), "microseconds since 2000-01-01 UTC");
    assertEquals(1, m.get(), "reply wanted");
    assertEquals(0, m.remaining());
  }
}
