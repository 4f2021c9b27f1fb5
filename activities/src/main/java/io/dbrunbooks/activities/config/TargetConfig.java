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
 * @param pgbouncer the PgBouncer applications reach the target through; null when not configured
 * @param switchover how a promote restore takes over the target's traffic; null when not configured
 *     (promote restores of it are refused). The loader accepts it only with {@code restore} and
 *     {@code pgbouncer} (with a health check)
 * @param monitoring the freshness check's limits; {@link MonitoringConfig#DEFAULT} when not configured
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
    WalArchiveConfig walArchive,
    PgBouncerConfig pgbouncer,
    SwitchoverConfig switchover,
    MonitoringConfig monitoring) {

  public TargetConfig {
    walArchive = walArchive == null ? WalArchiveConfig.DEFAULT : walArchive;
    monitoring = monitoring == null ? MonitoringConfig.DEFAULT : monitoring;
  }

  /** A target with the default monitoring limits. */
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
      RestoreConfig restore,
      WalArchiveConfig walArchive,
      PgBouncerConfig pgbouncer,
      SwitchoverConfig switchover) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, maxBackupBytesPerSecond,
        retention, restore, walArchive, pgbouncer, switchover, null);
  }

  /** The same target held to {@code monitoring}'s limits (tests, the demo). */
  public TargetConfig withMonitoring(MonitoringConfig monitoring) {
    return new TargetConfig(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier,
        maxBackupBytesPerSecond, retention, restore, walArchive, pgbouncer, switchover, monitoring);
  }

  /** A target without a PgBouncer or switchover block. */
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
      RestoreConfig restore,
      WalArchiveConfig walArchive) {
    this(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier, maxBackupBytesPerSecond,
        retention, restore, walArchive, null, null);
  }

  /** The same target, switched over through {@code pgbouncer} as {@code switchover} says (tests, the demo). */
  public TargetConfig withSwitchover(PgBouncerConfig pgbouncer, SwitchoverConfig switchover) {
    return new TargetConfig(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier,
        maxBackupBytesPerSecond, retention, restore, walArchive, pgbouncer, switchover, monitoring);
  }

  /** The same target reached at {@code connection} (a promotion moved it; see {@code Promotions}). */
  public TargetConfig withConnection(PostgresConnection connection) {
    return new TargetConfig(name, engine, connection, backupStore, evidence, keys, maxReplicationLagSeconds, notifier,
        maxBackupBytesPerSecond, retention, restore, walArchive, pgbouncer, switchover, monitoring);
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
