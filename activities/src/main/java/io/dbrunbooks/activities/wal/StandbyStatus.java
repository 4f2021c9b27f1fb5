package io.dbrunbooks.activities.wal;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Instant;
import org.postgresql.copy.CopyDual;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archiver's standby status updates, with the real time in them.
 *
 * <p>pgjdbc 42.7.4 builds the update's clock from {@code System.nanoTime()} (a count from an
 * arbitrary origin, not the wall clock), so every update it sends says 1999-12-21 and
 * {@code pg_stat_replication.reply_time} shows that date. The fixed driver (42.7.9 and later) sends
 * a {@code SET} on connect that PgBouncer's admin console refuses, so the tool stays on 42.7.4 and
 * writes the update itself on the stream's COPY channel (a private field of pgjdbc's stream, read by
 * reflection; a driver without it falls back to pgjdbc's own updates, with a warning): {@code r}, write, flush and apply
 * positions, the time in microseconds since 2000-01-01 UTC, and whether a reply is wanted
 * (PostgreSQL's StandbyStatusUpdate message). The stream is opened with a status interval of a day
 * so pgjdbc's own updates (one as the stream starts, then on the server's request only) are rare,
 * and this class sends one at least every {@link #EVERY_NANOS}, well inside
 * {@code wal_sender_timeout / 2}, so the server has no reason to ask.
 */
final class StandbyStatus {
  private static final Logger log = LoggerFactory.getLogger(StandbyStatus.class);
  static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;
  static final long EVERY_NANOS = 10_000_000_000L;

  private final PGReplicationStream stream;
  private final CopyDual copy;
  private long lastSent = System.nanoTime();

  private StandbyStatus(PGReplicationStream stream, CopyDual copy) {
    this.stream = stream;
    this.copy = copy;
  }

  /** The stream's COPY channel, or (another driver's stream) pgjdbc's own updates as a fallback. */
  static StandbyStatus of(PGReplicationStream stream) {
    try {
      Field f = stream.getClass().getDeclaredField("copyDual");
      f.setAccessible(true);
      CopyDual copy = (CopyDual) f.get(stream);
      // pgjdbc would send its first update (with its wrong time) on the first read: it has just "sent" one.
      Field last = stream.getClass().getDeclaredField("lastStatusUpdate");
      last.setAccessible(true);
      last.setLong(stream, System.nanoTime());
      return new StandbyStatus(stream, copy);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("pgjdbc's replication stream has no copyDual field ({}); its own status updates are used, whose reply time"
          + " may be wrong", e.toString());
      return new StandbyStatus(stream, null);
    }
  }

  /** Sends an update now: written = received, flushed = what the archive holds, applied = none. */
  void send(boolean replyWanted) throws SQLException {
    if (copy == null) {
      stream.forceUpdateStatus();
    } else {
      byte[] m = message(stream.getLastReceiveLSN(), stream.getLastFlushedLSN(), Instant.now(), replyWanted);
      copy.writeToCopy(m, 0, m.length);
      copy.flushCopy();
    }
    lastSent = System.nanoTime();
  }

  /** Sends an update when the last one is {@link #EVERY_NANOS} old. */
  void keepAlive() throws SQLException {
    if (System.nanoTime() - lastSent >= EVERY_NANOS) {
      send(false);
    }
  }

  /**
   * PostgreSQL's StandbyStatusUpdate. Applied is always invalid (0): the archiver replays nothing, so
   * {@code pg_stat_replication.replay_lsn} stays NULL, as for {@code pg_receivewal}.
   */
  static byte[] message(LogSequenceNumber written, LogSequenceNumber flushed, Instant now, boolean replyWanted) {
    long micros = (now.toEpochMilli() - POSTGRES_EPOCH_MILLIS) * 1000 + (now.getNano() / 1000) % 1000;
    return ByteBuffer.allocate(1 + 8 + 8 + 8 + 8 + 1)
        .put((byte) 'r')
        .putLong(written.asLong())
        .putLong(flushed.asLong())
        .putLong(LogSequenceNumber.INVALID_LSN.asLong())
        .putLong(micros)
        .put((byte) (replyWanted ? 1 : 0))
        .array();
  }
}
