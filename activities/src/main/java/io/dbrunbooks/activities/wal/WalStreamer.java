package io.dbrunbooks.activities.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a server's WAL into a {@link WalArchive} over the physical replication protocol, through
 * a replication slot it owns.
 *
 * <p>Why not {@code pg_receivewal}: it confirms to the slot what it has fsynced locally, so a worker
 * lost between its local fsync and the upload loses WAL the server may already have recycled. Here
 * the slot is told only what the archive has committed ({@code setFlushedLSN} after each upload), so
 * a new streamer anywhere resumes from the archive and the slot with no gap.
 *
 * <p>The segment being filled is kept in memory; every {@code flushInterval} its new bytes go to the
 * archive as a delta (that is the recovery point), and once full the whole segment is stored and
 * its deltas dropped. Started mid-segment, the streamer first reads back the segment's archived
 * head so it can still store the complete segment. One instance serves one {@link #run}.
 */
public final class WalStreamer {
  private static final Logger log = LoggerFactory.getLogger(WalStreamer.class);

  /** What the archive holds after an upload, for heartbeats and tests. */
  public record Position(int timeline, Lsn archivedEnd, WalSegment lastComplete, long segmentsArchived, long bytesArchived) {}

  /** Told after every upload, once the slot was confirmed up to {@code archivedEnd}. */
  public interface Listener {
    void uploaded(Position position) throws IOException;
  }

  /**
   * @param startLsn where this run began streaming
   * @param gaps WAL the archive lacks and the server no longer has, one sentence each
   */
  public record Result(Position position, Lsn startLsn, List<String> gaps) {}

  /** Opens a physical replication connection (see {@link ReplicationConnections}). */
  public interface Connections {
    Connection open() throws SQLException;
  }

  private final Connections connections;
  private Connection replication;
  private final WalArchive archive;
  private final String slot;
  private final long flushIntervalNanos;
  private final List<String> gaps = new ArrayList<>();
  /** A non-blocking read blocked this long is stuck (see {@link #startReadWatchdog()}). */
  static final long READ_STALL_NANOS = 10_000_000_000L;
  private volatile long readingSince;
  /** No WAL for this long: check the server is still on the streamed timeline. */
  static final long QUIET_NANOS = 10_000_000_000L;
  private volatile boolean readStalled;

  private int timeline;
  private int segmentSize;
  private WalSegment seg;
  private byte[] buf;
  private int filled;
  private int uploaded;
  private long confirmed;
  /** Status updates of the current stream. */
  private StandbyStatus status;
  private WalSegment lastComplete;
  private long segments;
  private long bytes;

  /** @param connections opens the physical replication connections this streamer uses and closes */
  public WalStreamer(Connections connections, WalArchive archive, String slot, Duration flushInterval) {
    this.connections = connections;
    this.archive = archive;
    this.slot = slot;
    this.flushIntervalNanos = flushInterval.toNanos();
  }

  /**
   * Streams until {@code keepGoing} says no (asked between messages, at least every 10 ms), then
   * uploads what it holds and returns. Throws on a lost connection, a refused slot or a failed upload:
   * what was confirmed is archived, and the next run resumes there.
   *
   * @throws WalArchiveException when the archive belongs to another cluster or holds other content
   */
  public Result run(BooleanSupplier keepGoing, Listener listener) throws IOException, SQLException {
    replication = connections.open();
    try {
      return runOn(keepGoing, listener);
    } finally {
      try {
        replication.close();
      } catch (SQLException e) {
        log.debug("closing the replication connection: {}", e.toString());
      }
    }
  }

  private Result runOn(BooleanSupplier keepGoing, Listener listener) throws IOException, SQLException {
    ReplicationCommands.Identity id = ReplicationCommands.identify(replication);
    segmentSize = id.segmentSize();
    timeline = id.timeline();
    if (id.versionNum() < 150000) {
      throw new WalArchiveException("the WAL archiver needs PostgreSQL 15 or later (READ_REPLICATION_SLOT); the server runs "
          + id.versionNum() / 10000);
    }
    archive.ensureInfo(id.systemId(), segmentSize, id.versionNum());
    WalListing listing = archive.list();
    WalVerifier.Branch branch = timeline > 1 ? archiveHistory(listing) : null;
    if (ReplicationCommands.createPhysicalSlotIfMissing(replication, slot)) {
      log.info("created physical replication slot {}", slot);
    }
    Lsn restart = ReplicationCommands.slotRestartLsn(replication, slot);
    Lsn start = startPosition(listing, restart, branch);
    confirmed = restart.value();

    try {
      stream(start, keepGoing, listener);
    } catch (SQLException e) {
      if (start.value() >= segStart(restart) || segments > 0 || bytes > 0
          // 58P01 (undefined_file) is the walsender's "requested WAL segment ... has already been
          // removed", whatever language the server speaks.
          || !("58P01".equals(e.getSQLState()) || String.valueOf(e.getMessage()).contains("has already been removed"))) {
        throw e;
      }
      // The archive ends before the oldest WAL the server still has: report the hole, go on from what exists.
      Lsn resumed = new Lsn(segStart(restart));
      gap(timeline, start, resumed, "the archive ends at " + start + " but the server keeps WAL only from " + resumed + " (slot " + slot
          + " restart_lsn " + restart + ")");
      start = resumed;
      replication.close(); // the failed stream leaves the walsender in an unknown state
      replication = connections.open();
      stream(start, keepGoing, listener);
    }
    return new Result(position(), start, List.copyOf(gaps));
  }

  // ---- streaming --------------------------------------------------------------------------

  private void stream(Lsn start, BooleanSupplier keepGoing, Listener listener) throws IOException, SQLException {
    PGReplicationStream stream = startStream(start);
    status = StandbyStatus.of(stream);
    log.info("streaming WAL of timeline {} from {} through slot {} into {}", timeline, start, slot, archive.location());
    beginAt(start);
    Thread watchdog = startReadWatchdog();
    try {
      reportArchived(stream);
      long lastFlush = System.nanoTime();
      long lastData = lastFlush;
      long lastTimelineCheck = lastFlush;
      while (keepGoing.getAsBoolean()) {
        ByteBuffer msg;
        try {
          readingSince = System.nanoTime();
          msg = stream.readPending();
        } catch (SQLException e) {
          salvage(listener);
          if (readStalled) {
            throw new IOException("the WAL stream of timeline " + timeline + " stopped answering at " + position().archivedEnd()
                + " (the server ended the timeline after a promotion, or the network hangs); the next run reconnects", e);
          }
          throw e;
        } finally {
          readingSince = 0;
        }
        long now = System.nanoTime();
        if (msg != null) {
          lastData = now;
          append(msg, stream.getLastReceiveLSN().asLong() - msg.remaining(), stream, listener);
        } else if (stream.isClosed()) {
          salvage(listener);
          throw new IOException("the server ended the WAL stream of timeline " + timeline + " at " + position().archivedEnd()
              + " (shutdown, or a promotion moved it to a new timeline); the next run picks it up");
        } else {
          if (now - lastData >= QUIET_NANOS && now - lastTimelineCheck >= QUIET_NANOS) {
            lastTimelineCheck = now;
            requireSameTimeline(listener);
          }
          sleep();
        }
        if (System.nanoTime() - lastFlush >= flushIntervalNanos) {
          flushPartial(stream, listener);
          lastFlush = System.nanoTime();
        }
        status.keepAlive();
      }
      flushPartial(stream, listener);
      // Ending the COPY waits for the server's answer: still under the watchdog.
      readingSince = System.nanoTime();
      closeQuietly(stream);
      readingSince = 0;
    } finally {
      watchdog.interrupt();
      if (readingSince != 0 || !stream.isClosed()) {
        // A broken stream: ending the COPY politely could wait forever. Drop the connection.
        abortQuietly();
      }
    }
  }

  private void abortQuietly() {
    try {
      replication.abort(Runnable::run);
    } catch (SQLException e) {
      log.debug("aborting the replication connection: {}", e.toString());
    }
  }

  /**
   * A quiet stream may be a quiet database, or a server promoted meanwhile whose walsender has not
   * ended our timeline (it should, but a stream that waits forever on the wrong timeline archives
   * nothing): ask on a second, short-lived connection, and end this run when the timeline moved.
   */
  private void requireSameTimeline(Listener listener) throws IOException {
    int now;
    try (Connection c = connections.open()) {
      now = ReplicationCommands.identify(c).timeline();
    } catch (SQLException e) {
      log.debug("timeline check failed, streaming on: {}", e.toString());
      return;
    }
    if (now != timeline) {
      salvage(listener);
      throw new IOException("the server moved to timeline " + now + " while the stream of timeline " + timeline
          + " stayed open at " + position().archivedEnd() + "; the next run follows it");
    }
  }

  /**
   * Reads are non-blocking, so one that blocks for {@link #READ_STALL_NANOS} is stuck: pgjdbc waits
   * for CommandComplete after the server's CopyDone at the end of a timeline (a promoted standby),
   * while the server waits for our CopyDone; or the network dropped the connection silently. Either
   * way the slot stays "active" until the connection dies, so kill it: the read fails, what was
   * received is uploaded, and the next run reconnects on the current timeline.
   */
  private Thread startReadWatchdog() {
    Thread t = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(1000);
          long since = readingSince;
          if (since != 0 && System.nanoTime() - since > READ_STALL_NANOS) {
            readStalled = true;
            log.warn("WAL stream read blocked for over {} s; closing the replication connection", READ_STALL_NANOS / 1_000_000_000L);
            abortQuietly();
            return;
          }
        }
      } catch (InterruptedException e) {
        // the stream ended
      }
    }, "wal-read-watchdog");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private PGReplicationStream startStream(Lsn start) throws SQLException {
    return replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
        .withSlotName(slot)
        .withStartPosition(LogSequenceNumber.valueOf(start.value()))
        // pgjdbc's own updates carry a wrong time (see StandbyStatus), which sends ours every 10 s instead.
        .withStatusInterval(1, TimeUnit.DAYS)
        .start();
  }

  /** Positions the buffer at {@code start}, reading back the segment's archived head when it begins mid-segment. */
  private void beginAt(Lsn start) throws IOException {
    seg = WalSegment.containing(timeline, start.value(), segmentSize);
    buf = new byte[segmentSize];
    filled = seg.offsetOf(start.value());
    uploaded = filled;
    if (filled > 0) {
      byte[] head = archive.readArchived(seg);
      if (head.length < filled) {
        throw new WalArchiveException("segment " + seg + " should be archived up to offset " + filled + " but only "
            + head.length + " bytes could be read back; run `runbooks wal verify`");
      }
      System.arraycopy(head, 0, buf, 0, filled);
    }
  }

  private void append(ByteBuffer msg, long at, PGReplicationStream stream, Listener listener) throws IOException, SQLException {
    long expected = seg.startLsn() + filled;
    if (at != expected) {
      throw new IOException("the WAL stream jumped from " + new Lsn(expected) + " to " + new Lsn(at) + "; restarting the stream");
    }
    while (msg.hasRemaining()) {
      int n = Math.min(msg.remaining(), segmentSize - filled);
      msg.get(buf, filled, n);
      filled += n;
      if (filled == segmentSize) {
        archive.putSegment(seg, buf);
        bytes += segmentSize - uploaded;
        segments++;
        lastComplete = seg;
        seg = seg.next();
        filled = 0;
        uploaded = 0;
        confirm(stream, listener);
      }
    }
  }

  private void flushPartial(PGReplicationStream stream, Listener listener) throws IOException, SQLException {
    if (uploadPending()) {
      confirm(stream, listener);
    }
  }

  /** Uploads the bytes received since the last upload as a delta; false when there were none. */
  private boolean uploadPending() throws IOException {
    if (filled == uploaded) {
      return false;
    }
    archive.putPartial(seg, uploaded, Arrays.copyOfRange(buf, uploaded, filled), filled - uploaded);
    bytes += filled - uploaded;
    uploaded = filled;
    return true;
  }

  /**
   * The stream broke (server shutdown, end of a timeline after a promotion): what was received is
   * still the server's WAL, so upload it. The slot is not told; the next run finds it in the archive.
   */
  private void salvage(Listener listener) throws IOException {
    if (uploadPending()) {
      listener.uploaded(position());
    }
  }

  /** Tells the slot the archive holds everything before {@link #position()}: the server may now recycle it. */
  private void confirm(PGReplicationStream stream, Listener listener) throws IOException, SQLException {
    long end = seg.startLsn() + uploaded;
    if (end > confirmed) {
      stream.setFlushedLSN(LogSequenceNumber.valueOf(end));
      status.send(true);
      confirmed = end;
    }
    listener.uploaded(position());
  }

  /**
   * The first status update of a stream: the archive already holds everything before the start, so
   * say so at once. Without it a reconnected archiver on a quiet server reports no flush position
   * until new WAL arrives, and the walsender's lag columns grow from the moment it connected.
   *
   * <p>Only flush (and write, which pgjdbc takes from what it received) is reported, never apply: the
   * archiver replays nothing, as {@code pg_receivewal} does not, so {@code pg_stat_replication}
   * shows it with {@code replay_lsn} NULL. A start before the slot's restart_lsn (a new archive, a
   * gap) is not reported: that would move the slot back; the first upload reports it.
   */
  private void reportArchived(PGReplicationStream stream) throws SQLException {
    long start = seg.startLsn() + uploaded;
    if (start >= confirmed) {
      stream.setFlushedLSN(LogSequenceNumber.valueOf(start));
      confirmed = start;
    }
    status.send(true);
  }

  private Position position() {
    return new Position(timeline, new Lsn(seg.startLsn() + uploaded), lastComplete, segments, bytes);
  }

  // ---- where to start ------------------------------------------------------------------------

  /**
   * The archive's end on this timeline when the server still has the WAL after it; otherwise the
   * start of the oldest segment the slot keeps, and the hole in between is a gap. A fresh archive
   * starts at the slot. A new timeline starts at the segment holding its switch point.
   */
  private Lsn startPosition(WalListing listing, Lsn restart, WalVerifier.Branch branch) {
    // From the byte before restart_lsn: a slot confirmed at a segment boundary points into a segment not begun yet.
    Lsn fromSlot = listing.archivedEnd(timeline, new Lsn(Math.max(0, restart.value() - 1)));
    if (fromSlot != null) {
      return fromSlot;
    }
    Lsn end = WalVerifier.lastArchived(listing, timeline);
    if (end != null) {
      return end; // before the slot's segment: run() tries it and reports a gap if the server lost it
    }
    if (branch != null && !listing.isEmpty()) {
      Lsn branchStart = new Lsn(segStart(branch.switchPoint()));
      Lsn parentEnd = WalVerifier.lastArchived(listing, branch.parent());
      if (parentEnd == null || parentEnd.compareTo(branchStart) < 0) {
        gap(branch.parent(), parentEnd == null ? branchStart : parentEnd, branchStart, "timeline " + branch.parent() + " is archived only to "
            + parentEnd + ", but timeline " + timeline + " branched off it at " + branch.switchPoint());
      }
      return branchStart; // the new timeline's first segment holds the parent's WAL up to the switch point
    }
    if (!listing.isEmpty()) {
      log.warn("the WAL archive at {} holds nothing on timeline {}; starting at the slot's {}", archive.location(), timeline, restart);
    }
    return new Lsn(segStart(restart));
  }

  private void gap(int tli, Lsn from, Lsn to, String why) {
    WalSegment first = WalSegment.containing(tli, from.value(), segmentSize);
    WalSegment last = WalSegment.containing(tli, Math.max(from.value(), to.value() - 1), segmentSize);
    String g = "WAL " + first + (last.equals(first) ? "" : ".." + last) + " (" + from + " to " + to + ") is missing from the"
        + " archive: " + why + "; point-in-time restore cannot cross it, take a new base backup";
    log.error("{}", g);
    gaps.add(g);
  }

  private long segStart(Lsn lsn) {
    return lsn.value() - Long.remainderUnsigned(lsn.value(), segmentSize);
  }

  /** Stores this timeline's history file when the archive lacks it; returns where the timeline branched off. */
  private WalVerifier.Branch archiveHistory(WalListing listing) throws SQLException, IOException {
    String content = ReplicationCommands.timelineHistory(replication, timeline);
    if (!listing.histories().containsKey(timeline)) {
      archive.putHistory(timeline, content.getBytes(StandardCharsets.UTF_8));
      log.info("archived the history file of timeline {}", timeline);
    }
    return WalVerifier.Branch.parse(content);
  }

  private static void sleep() throws IOException {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while streaming WAL", e);
    }
  }

  private static void closeQuietly(PGReplicationStream stream) {
    try {
      stream.close();
    } catch (SQLException e) {
      log.debug("closing the replication stream: {}", e.toString());
    }
  }
}
