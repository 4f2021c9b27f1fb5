package io.dbrunbooks.activities.monitoring;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.workflows.monitoring.WalObservation;
import io.dbrunbooks.workflows.monitoring.WalWatch;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Looks at a target's WAL archive the way it is kept, not the way a workflow says it is: the
 * archive's end from the store's listing, the source's WAL end and whether anything streams from
 * the archiver's slot from the database. A running {@code wal-archive/<target>} workflow whose call
 * is retrying (database down, slot busy) archives nothing; the slot tells.
 */
public final class WalProbe {
  private final TargetConfig target;
  private final BackupStore store;

  public WalProbe(TargetConfig target, BackupStore store) {
    this.target = target;
    this.store = store;
  }

  /**
   * @param previous the watermark the last check kept, or null
   * @param grace how long to wait for the archiver to (re)connect to its slot before calling it down
   * @param tick called about every second while waiting (an activity heartbeats there)
   * @return empty when the target has no WAL archive (its archiver never ran)
   */
  public Optional<WalObservation> observe(WalWatch previous, Instant now, Duration grace, Runnable tick) {
    String slot = target.walArchive().slotFor(target.name());
    // Keys only: listing reads names, never content, so no key source is needed.
    WalArchive archive = new WalArchive(store, null, target.name());
    Lsn archivedEnd;
    try {
      if (archive.info().isEmpty()) {
        return Optional.empty();
      }
      archivedEnd = end(archive.list());
    } catch (IOException e) {
      return Optional.of(new WalObservation(null, slot, null, null, null, null, previous,
          "the WAL archive at " + archive.location() + " could not be listed: " + e.getMessage()));
    }
    Lsn source;
    Boolean streaming;
    try (Connection c = PostgresBackupActivities.connect(target)) {
      source = sourceEnd(c);
      streaming = active(c, slot);
      long deadline = System.nanoTime() + grace.toNanos();
      while (!streaming && System.nanoTime() < deadline) {
        tick.run();
        Thread.sleep(1000);
        streaming = active(c, slot);
      }
    } catch (SQLException | RuntimeException e) {
      return Optional.of(new WalObservation(null, slot, show(archivedEnd), null, null, null, previous,
          "the source of " + target.name() + " could not be read: " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the archiver's slot", e);
    }
    long lag = Math.max(0, source.value() - (archivedEnd == null ? 0 : archivedEnd.value()));
    WalWatch watch;
    long behind;
    if (lag == 0) {
      watch = null;
      behind = 0;
    } else if (previous != null && (archivedEnd == null || archivedEnd.compareTo(Lsn.parse(previous.sourceLsn())) < 0)) {
      // The archive has not reached what the source had at the last mark: that WAL has waited since then.
      watch = previous;
      behind = Math.max(0, Duration.between(Instant.parse(previous.since()), now).toSeconds());
    } else {
      watch = new WalWatch(now.toString(), source.toString());
      behind = 0;
    }
    return Optional.of(new WalObservation(streaming, slot, show(archivedEnd), source.toString(), lag, behind, watch, null));
  }

  /** The highest position any complete segment or contiguous delta run reaches, on any timeline. */
  static Lsn end(WalListing listing) {
    long end = -1;
    for (var s : listing.segments().keySet()) {
      end = Math.max(end, s.endLsn());
    }
    for (var e : listing.partialEnds().entrySet()) {
      if (e.getValue() > 0) {
        end = Math.max(end, e.getKey().startLsn() + e.getValue());
      }
    }
    return end < 0 ? null : new Lsn(end);
  }

  private static Lsn sourceEnd(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()"
        + " ELSE pg_current_wal_flush_lsn() END)::text");
        ResultSet rs = p.executeQuery()) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  /** Whether a walsender holds the slot now; a missing slot is not streaming either. */
  private static boolean active(Connection c, String slot) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
      p.setString(1, slot);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static String show(Lsn lsn) {
    return lsn == null ? null : lsn.toString();
  }

}
