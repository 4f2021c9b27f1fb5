package io.dbrunbooks.activities.switchover;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What a PostgreSQL server says about itself over a session: enough to tell one cluster from
 * another (the system identifier survives a physical copy, so a restore of blue shares it), a
 * primary from a standby, and blue's recorded position.
 *
 * @param dataDirectory null when not asked (green: the health-check role may not read it)
 * @param timeline the timeline WAL is written on now (a standby: its last checkpoint's)
 * @param lsn {@code pg_current_wal_lsn()}, or on a standby the last replayed LSN
 */
record ServerFacts(
    String dataDirectory,
    String systemIdentifier,
    boolean inRecovery,
    int timeline,
    String lsn,
    String clusterName,
    int port,
    String version) {

  private static final String FACTS = "SELECT (SELECT system_identifier FROM pg_control_system())::text, pg_is_in_recovery(),"
      + " CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())"
      + " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
      + " (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text,"
      + " current_setting('cluster_name'), current_setting('port')::int, current_setting('server_version')";

  /** @param withDataDirectory also {@code data_directory}, which needs pg_read_all_settings (or superuser) */
  static ServerFacts read(Connection c, boolean withDataDirectory) throws SQLException {
    String dataDirectory = null;
    try (Statement s = c.createStatement()) {
      if (withDataDirectory) {
        try (ResultSet r = s.executeQuery("SELECT current_setting('data_directory')")) {
          r.next();
          dataDirectory = r.getString(1);
        }
      }
      try (ResultSet r = s.executeQuery(FACTS)) {
        r.next();
        return new ServerFacts(dataDirectory, r.getString(1), r.getBoolean(2), r.getInt(3), r.getString(4), r.getString(5),
            r.getInt(6), r.getString(7));
      }
    }
  }
}
