package io.dbrunbooks.activities.postgres;

import io.dbrunbooks.workflows.backup.StandbyLag;
import java.sql.Connection;
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
 */
public final class ReplicationLag {

  /**
   * @param lagSeconds the largest lag observed, 0 with no replication or when caught up
   * @param worst the standby with that lag (primary), or null
   */
  public record Observation(String role, double lagSeconds, StandbyLag worst, List<StandbyLag> standbys) {}

  private ReplicationLag() {}

  public static Observation read(Connection c, boolean inRecovery) throws SQLException {
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
          return new Observation("standby", Math.max(0, rs.getDouble(1)), null, List.of());
        }
      }
      List<StandbyLag> standbys = new ArrayList<>();
      // replay_lag is NULL once a standby has been idle and caught up: that is no lag.
      try (ResultSet rs = s.executeQuery("SELECT coalesce(application_name, ''), coalesce(host(client_addr), 'local'),"
          + " coalesce(state, ''), coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication ORDER BY 1")) {
        while (rs.next()) {
          standbys.add(new StandbyLag(rs.getString(1), rs.getString(2), rs.getString(3), rs.getDouble(4)));
        }
      }
      return observe(standbys);
    }
  }

  /** The primary's view, from pg_stat_replication rows. */
  public static Observation observe(List<StandbyLag> standbys) {
    StandbyLag worst = standbys.stream().max(Comparator.comparingDouble(StandbyLag::replayLagSeconds)).orElse(null);
    return new Observation("primary", worst == null ? 0 : worst.replayLagSeconds(), worst, List.copyOf(standbys));
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
        + " (maxReplicationLagSeconds); wait for it to catch up or raise the limit";
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }
}
