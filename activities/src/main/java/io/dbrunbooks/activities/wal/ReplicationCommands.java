package io.dbrunbooks.activities.wal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The replication protocol's commands the {@link WalStreamer} needs, on a physical replication connection. */
final class ReplicationCommands {
  private ReplicationCommands() {}

  /** IDENTIFY_SYSTEM plus the two settings the archive records. */
  record Identity(String systemId, int timeline, Lsn xlogpos, int segmentSize, int versionNum) {}

  static Identity identify(Connection c) throws SQLException {
    String systemId;
    int tli;
    Lsn pos;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
      systemId = rs.getString("systemid");
      tli = rs.getInt("timeline");
      pos = Lsn.parse(rs.getString("xlogpos"));
    }
    return new Identity(systemId, tli, pos, parseSize(show(c, "wal_segment_size")), Integer.parseInt(show(c, "server_version_num")));
  }

  private static String show(Connection c, String setting) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** {@code 16MB}, {@code 1GB}, as SHOW prints wal_segment_size. */
  static int parseSize(String shown) {
    String t = shown.trim();
    int unit = t.endsWith("GB") ? 1 << 30 : t.endsWith("MB") ? 1 << 20 : t.endsWith("kB") ? 1 << 10 : 1;
    return Integer.parseInt(t.replaceAll("[^0-9]", "")) * unit;
  }

  /** The content of {@code <timeline>.history}: plain text, sent as bytea without escaping. */
  static String timelineHistory(Connection c, int timeline) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("TIMELINE_HISTORY " + timeline)) {
      rs.next();
      return rs.getString(2);
    }
  }

  /** @return true when it was created now; false when it existed, the normal case */
  static boolean createPhysicalSlotIfMissing(Connection c, String slot) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE_REPLICATION_SLOT " + slot + " PHYSICAL RESERVE_WAL");
      return true;
    } catch (SQLException e) {
      if ("42710".equals(e.getSQLState())) { // duplicate_object
        return false;
      }
      throw e;
    }
  }

  /** READ_REPLICATION_SLOT (PostgreSQL 15+): where the server keeps WAL from for this slot. */
  static Lsn slotRestartLsn(Connection c, String slot) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("READ_REPLICATION_SLOT " + slot)) {
      rs.next();
      String type = rs.getString("slot_type");
      String restart = rs.getString("restart_lsn");
      if (!"physical".equals(type) || restart == null) {
        throw new SQLException("replication slot " + slot + " is " + (type == null ? "gone" : "a " + type + " slot")
            + (restart == null ? " without reserved WAL" : "") + "; the WAL archiver needs a physical slot with reserved WAL"
            + " (drop it: SELECT pg_drop_replication_slot('" + slot + "'), and the archiver creates its own)", "55000");
      }
      return Lsn.parse(restart);
    }
  }
}
