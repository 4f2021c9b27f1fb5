package io.dbrunbooks.activities.postgres;

import io.dbrunbooks.activities.wal.ReplicationConnections;
import io.dbrunbooks.workflows.backup.StandbyLag;
import io.dbrunbooks.workflows.backup.WalReceiver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Replication lag as the precheck sees it. On a primary the worst standby's replay lag: a backup
 * of a primary whose standby is far behind is still fine, but the evidence should say so, and a
 * target may refuse it. On a standby, how far replay is behind the primary: a backup from there
 * is only as fresh as what was replayed.
 *
 * <p>Not every walsender is a standby. Which ones are is decided from what they report, not from
 * the {@code replay_lag} column alone: a client that never reports a replay position (the target's
 * own WAL archiver, {@code pg_receivewal}, the WAL stream of a {@code pg_basebackup}) receives WAL
 * and replays none, so its {@code replay_lag} only counts the time since it connected. Those are
 * {@link WalReceiver}s: reported with how far their flushed position trails, never judged. A standby
 * that has replayed everything the primary has flushed is caught up, whatever its {@code replay_lag}
 * still shows (PostgreSQL clears that column only after two idle status intervals).
 */
public final class ReplicationLag {

  /**
   * @param lagSeconds the largest lag judged, 0 with no standby or when all are caught up
   * @param worst the standby with that lag (primary), or null
   * @param receivers walsenders that are not standbys (primary), not judged
   * @param notes what a person should know that does not stop a backup
   */
  public record Observation(
      String role, double lagSeconds, StandbyLag worst, List<StandbyLag> standbys, List<WalReceiver> receivers, List<String> notes) {}

  /**
   * One row of {@code pg_stat_replication} with the slot its walsender holds, as read. LSNs are
   * text, byte distances are to the primary's flushed end ({@code pg_current_wal_flush_lsn()}: no
   * client can have more); nulls where the client has not reported.
   *
   * @param visible false when the role may not see the walsender's details (no pg_read_all_stats)
   */
  public record Walsender(
      String applicationName,
      String clientAddress,
      String state,
      boolean visible,
      String slot,
      String replayLsn,
      Long replayBytesBehind,
      Double replayLagSeconds,
      String flushLsn,
      Long flushBytesBehind,
      Double flushLagSeconds,
      String primaryFlushLsn) {}

  private ReplicationLag() {}

  /**
   * @param archiverSlot the replication slot of the target's own WAL archiver ({@code walArchive.slot})
   * @param limitSeconds the target's lag limit: an archiver further behind than this is noted
   */
  public static Observation read(Connection c, boolean inRecovery, String target, String archiverSlot, double limitSeconds)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      if (inRecovery) {
        // The replay timestamp is that of the last replayed commit; with nothing left to replay the
        // standby is caught up however old that commit is. A standby that has replayed no commit
        // since it started has no timestamp: its data is at least as old as its start, so that
        // bounds the lag instead of pretending it is zero.
        try (ResultSet rs = s.executeQuery("SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT NULL"
            + " AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            + " ELSE extract(epoch FROM now() - coalesce(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())) END")) {
          rs.next();
          return new Observation("standby", Math.max(0, rs.getDouble(1)), null, List.of(), List.of(), List.of());
        }
      }
      List<Walsender> rows = new ArrayList<>();
      // A role without pg_read_all_stats sees only the pid of other roles' walsenders: state is then NULL.
      try (ResultSet rs = s.executeQuery("SELECT coalesce(r.application_name, ''), coalesce(host(r.client_addr), 'local'),"
          + " r.state, sl.slot_name,"
          + " r.replay_lsn::text, greatest(0, pg_wal_lsn_diff(f.lsn, r.replay_lsn))::bigint, extract(epoch FROM r.replay_lag)::float8,"
          + " r.flush_lsn::text, greatest(0, pg_wal_lsn_diff(f.lsn, r.flush_lsn))::bigint, extract(epoch FROM r.flush_lag)::float8,"
          + " f.lsn::text"
          + " FROM pg_stat_replication r CROSS JOIN (SELECT pg_current_wal_flush_lsn() AS lsn) f"
          + " LEFT JOIN pg_replication_slots sl ON sl.active_pid = r.pid ORDER BY 1, 2, r.pid")) {
        while (rs.next()) {
          String state = rs.getString(3);
          rows.add(new Walsender(rs.getString(1), rs.getString(2), state == null ? "" : state, state != null, rs.getString(4),
              rs.getString(5), (Long) rs.getObject(6, Long.class), (Double) rs.getObject(7, Double.class),
              rs.getString(8), (Long) rs.getObject(9, Long.class), (Double) rs.getObject(10, Double.class), rs.getString(11)));
        }
      }
      Observation o = observe(rows, archiverSlot, limitSeconds);
      String idle = idleArchiverSlot(c, target, archiverSlot);
      if (idle == null) {
        return o;
      }
      List<String> notes = new ArrayList<>(o.notes());
      notes.add(idle);
      return new Observation(o.role(), o.lagSeconds(), o.worst(), o.standbys(), o.receivers(), List.copyOf(notes));
    }
  }

  /** A sentence when the archiver's slot exists but nothing streams from it, else null. */
  private static String idleArchiverSlot(Connection c, String target, String slot) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(
        "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
      p.setString(1, slot);
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return "no WAL archiver was streaming from slot " + slot + " when checked (the slot keeps WAL on the server from "
            + rs.getString(1) + "): a restore reaches only what is archived; start it with `runbooks wal archive start --target "
            + target + "`, or drop the slot if the target is not archived";
      }
    }
  }

  /** The primary's view: which walsenders are standbys, and the worst lag among them. */
  public static Observation observe(List<Walsender> rows, String archiverSlot, double limitSeconds) {
    List<StandbyLag> standbys = new ArrayList<>();
    List<WalReceiver> receivers = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    int hidden = 0;
    for (Walsender w : rows) {
      if (!w.visible()) {
        hidden++;
        receivers.add(receiver(w, "unknown", "the role may not see this walsender's details (it needs pg_read_all_stats),"
            + " so it cannot be judged"));
      } else if (archiverSlot != null && archiverSlot.equals(w.slot())) {
        WalReceiver r = receiver(w, "archiver", "this target's WAL archiver" + archived(w)
            + "; it stores WAL and replays none, so its replay_lag counts only the time since it connected: not judged");
        receivers.add(r);
        if (r.lagSeconds() > limitSeconds) {
          notes.add("the WAL archiver (slot " + w.slot() + ") has archived only up to " + w.flushLsn() + ", " + w.flushBytesBehind()
              + " bytes and " + seconds(r.lagSeconds()) + " behind the primary (limit " + seconds(limitSeconds)
              + "): a restore cannot reach past that point until it catches up; the backup itself does not depend on it");
        }
      } else if ("backup".equals(w.state())) {
        receivers.add(receiver(w, "base backup", "sends a base backup; not judged"));
      } else if (ReplicationConnections.APPLICATION_NAME.equals(w.applicationName())) {
        receivers.add(receiver(w, "receiver", "a db-runbooks WAL archiver connection"
            + (w.slot() == null ? " without a slot (checking the server's timeline)" : " on another target's slot") + archived(w)
            + "; it replays nothing: not judged"));
      } else if (w.replayLsn() == null) {
        receivers.add(receiver(w, "receiver", "reports no replay position: a WAL receiver such as pg_receivewal (or a standby"
            + " that has not reported yet)" + archived(w) + "; not judged"));
      } else {
        standbys.add(standby(w));
      }
    }
    if (hidden > 0) {
      notes.add(hidden + " walsender(s) could not be judged: the connecting role lacks pg_read_all_stats, so"
          + " pg_stat_replication hides their positions (GRANT pg_read_all_stats TO the target's user)");
    }
    StandbyLag worst = standbys.stream().max(Comparator.comparingDouble(StandbyLag::replayLagSeconds)).orElse(null);
    return new Observation("primary", worst == null ? 0 : worst.replayLagSeconds(), worst, List.copyOf(standbys),
        List.copyOf(receivers), List.copyOf(notes));
  }

  private static StandbyLag standby(Walsender w) {
    long behind = w.replayBytesBehind() == null ? -1 : w.replayBytesBehind();
    double column = w.replayLagSeconds() == null ? 0 : w.replayLagSeconds();
    if (behind == 0) {
      return new StandbyLag(w.applicationName(), w.clientAddress(), w.state(), 0, w.replayLsn(), 0,
          "caught up: replayed up to " + w.replayLsn() + ", all the primary has flushed"
              + (column > 0 ? " (the view's replay_lag of " + seconds(column) + " is from before it caught up)" : ""));
    }
    // Behind: replay_lag is the time since the oldest WAL not yet replayed was sent (PostgreSQL
    // interpolates it while replay is stuck); NULL only until the standby's next report.
    return new StandbyLag(w.applicationName(), w.clientAddress(), w.state(), column, w.replayLsn(), behind,
        "replayed up to " + w.replayLsn() + ", " + behind + " bytes behind the primary's " + w.primaryFlushLsn()
            + ", replay lag " + seconds(column));
  }

  private static WalReceiver receiver(Walsender w, String kind, String judged) {
    long behind = w.flushBytesBehind() == null ? -1 : w.flushBytesBehind();
    double lag = behind <= 0 ? 0 : w.flushLagSeconds() == null ? 0 : w.flushLagSeconds();
    return new WalReceiver(kind, w.applicationName(), w.clientAddress(), w.state(), w.slot(), w.flushLsn(), behind, lag, judged);
  }

  private static String archived(Walsender w) {
    if (w.flushLsn() == null) {
      return ", no flush position reported yet";
    }
    return w.flushBytesBehind() != null && w.flushBytesBehind() == 0
        ? ", stored up to " + w.flushLsn() + " (all the primary has flushed)"
        : ", stored up to " + w.flushLsn() + " (" + w.flushBytesBehind() + " bytes behind)";
  }

  /** Null when within the limit, else the message explaining the refusal. */
  public static String refusal(String target, String server, Observation o, double limitSeconds) {
    if (o.lagSeconds() <= limitSeconds) {
      return null;
    }
    String lag = seconds(o.lagSeconds());
    String limit = seconds(limitSeconds);
    if ("standby".equals(o.role())) {
      return "target '" + target + "': " + server + " is a standby whose replay is " + lag + " behind its primary,"
          + " over the limit of " + limit + " (maxReplicationLagSeconds); wait for it to catch up or back up the primary";
    }
    StandbyLag w = o.worst();
    if (w == null) {
      return "target '" + target + "': " + server + " reports a replication lag of " + lag + ", over the limit of " + limit;
    }
    return "target '" + target + "': standby '" + w.applicationName() + "' (" + w.clientAddress() + ", state "
        + w.state() + ") of " + server + " has a replay lag of " + lag + ", over the limit of " + limit
        + " (maxReplicationLagSeconds)" + (w.bytesBehind() > 0 ? ", " + w.bytesBehind() + " bytes of WAL not yet replayed" : "")
        + "; wait for it to catch up or raise the limit";
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }
}
