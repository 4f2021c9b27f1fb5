package io.dbrunbooks.workflows.restore;

/**
 * What the guardrails found just before the switch, for the evidence: PgBouncer's alias and its
 * clients, blue's server, green's backend.
 *
 * @param green how PgBouncer reaches the restored cluster
 * @param clientsActive clients of the alias when recorded (PgBouncer {@code cl_active})
 * @param greenLsn green's {@code pg_current_wal_lsn()} when recorded: WAL green writes after this came from the application
 * @param targetConnection {@code host:port} the target's connection reached blue at: once promoted, backups and the WAL
 *     archiver connecting there are sent to {@code green} instead (null in runs recorded before it existed)
 */
public record BlueGreenState(
    String pgbouncer,
    String database,
    BackendRef blue,
    BackendRef green,
    String poolMode,
    int clientsActive,
    int clientsWaiting,
    BlueServer blueServer,
    String greenClusterName,
    String greenLsn,
    String targetConnection) {}
