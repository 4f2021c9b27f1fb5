package io.dbrunbooks.activities.config;

/**
 * One target: a database and where its backups, evidence and keys live.
 *
 * @param engine {@code postgres}
 * @param maxReplicationLagSeconds the precheck refuses to back up when replication lag is above this
 * @param maxBackupBytesPerSecond upper bound on how fast the backup step reads from the database
 *     tool (spares the production server's I/O); 0 means unlimited
 * @param retention how long backups and WAL are kept; null: nothing is ever expired
 * @param restore where point-in-time restores build their clusters; null when the target has no
 *     {@code restore:} block (restores of it are refused)
 * @param walArchive how the WAL archiver streams this target; {@link WalArchiveConfig#DEFAULT} when not configured
 */
public record TargetConfig(
    String name,
    String engine,
    PostgresConnection connection,
    StoreConfig backupStore,
    RegistryConfig evidence,
    KeySourceConfig keys,
    double maxReplicationLagSeconds,
    NotifierConfig notifier,
    long maxBackupBytesPerSecond,
    RetentionPolicy retention,
    RestoreConfig restore,
    WalArchiveConfig walArchive) {

  public TargetConfig {
    walArchive = walArchive == null ? WalArchiveConfig.DEFAULT : walArchive;
  }

  /** A target with the default WAL archiver settings. */
  public TargetConfig(
      String name,
      String engine,
      PostgresConnection connection,
      StoreConfig backupStore,
      RegistryConfig evidence,
      KeySourceConfig keys,
      double maxReplicationLagSeconds,
      NotifierConfig notifier,
      long maxBackupBytesPerSecond,
      RetentionPolicy retention,
      RestoreConfig restore) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, maxBackupBytesPerSecond,
        retention, restore, WalArchiveConfig.DEFAULT);
  }

  /** A target without a restore block. */
  public TargetConfig(
      String name,
      String engine,
      PostgresConnection connection,
      StoreConfig backupStore,
      RegistryConfig evidence,
      KeySourceConfig keys,
      double maxReplicationLagSeconds,
      NotifierConfig notifier,
      long maxBackupBytesPerSecond,
      RetentionPolicy retention) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, maxBackupBytesPerSecond,
        retention, null, WalArchiveConfig.DEFAULT);
  }

  /** A target without a retention policy. */
  public TargetConfig(
      String name,
      String engine,
      PostgresConnection connection,
      StoreConfig backupStore,
      RegistryConfig evidence,
      KeySourceConfig keys,
      double maxReplicationLagSeconds,
      NotifierConfig notifier,
      long maxBackupBytesPerSecond) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, maxBackupBytesPerSecond, null);
  }

  /** A target without a backup rate limit. */
  public TargetConfig(
      String name,
      String engine,
      PostgresConnection connection,
      StoreConfig backupStore,
      RegistryConfig evidence,
      KeySourceConfig keys,
      double maxReplicationLagSeconds,
      NotifierConfig notifier) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, 0);
  }
}
