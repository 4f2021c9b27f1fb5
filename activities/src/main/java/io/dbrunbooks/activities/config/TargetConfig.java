package io.dbrunbooks.activities.config;

/**
 * One target: a database and where its backups, evidence and keys live.
 *
 * @param engine {@code postgres}
 * @param maxReplicationLagSeconds the precheck refuses to back up when replication lag is above this
 */
public record TargetConfig(
    String name,
    String engine,
    PostgresConnection connection,
    StoreConfig backupStore,
    RegistryConfig evidence,
    KeySourceConfig keys,
    double maxReplicationLagSeconds,
    NotifierConfig notifier) {}
