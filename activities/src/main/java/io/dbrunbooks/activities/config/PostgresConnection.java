package io.dbrunbooks.activities.config;

/**
 * How to reach a PostgreSQL server. The password is a reference, resolved when a connection is
 * opened, so it never reaches a workflow history or a log.
 *
 * @param user a role with REPLICATION (physical backups) and read access (logical backups)
 * @param sslmode libpq sslmode, default {@code prefer}
 */
public record PostgresConnection(
    String host, int port, String database, String user, SecretRef password, String sslmode) {}
