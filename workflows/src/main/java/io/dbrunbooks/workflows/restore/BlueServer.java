package io.dbrunbooks.workflows.restore;

/**
 * Blue's PostgreSQL server as recorded before the switch: what is stopped after the bake and,
 * after {@code approve-decommission}, removed. The system identifier guards both against acting
 * on another cluster that took the directory or port meanwhile.
 *
 * @param dataDirectory {@code data_directory} as blue reported it
 * @param lsn {@code pg_current_wal_lsn()} when recorded
 */
public record BlueServer(
    String dataDirectory, String systemIdentifier, int timeline, String lsn, String clusterName, int port, String version) {}
