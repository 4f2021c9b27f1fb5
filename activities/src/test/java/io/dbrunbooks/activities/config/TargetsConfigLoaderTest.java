package io.dbrunbooks.activities.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.FileSystems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetsConfigLoaderTest {

  /** Line numbers in the assertions below refer to this layout. */
  private static final String VALID = """
      targets:
        orders:
          engine: postgres
          connection:
            host: 127.0.0.1
            database: orders
            port: 5432
            user: runbooks_backup
            password: { env: ORDERS_PGPASSWORD }
            sslmode: require
          backupStore: file:/var/lib/db-runbooks/backups
          evidence: file:///var/lib/db-runbooks/evidence
          keys: { keyring: KEYRING }
          maxReplicationLagSeconds: 30
          notifier: { webhook: https://hooks.example.com/db }
        billing-2:
          engine: postgres
          connection:
            host: db2.internal
            port: 6432
            database: billing
            user: backup
            password:
              file: PWFILE
          backupStore: file:/srv/backups
          evidence: file:/srv/evidence
          keys:
            keyring: KEYRING
      """;

  private static final Map<String, String> ENV = Map.of("ORDERS_PGPASSWORD", "s3cr3t-value");

  @TempDir Path dir;
  private Path keyring;
  private Path passwordFile;

  @BeforeEach
  void secrets() throws IOException {
    keyring = Files.writeString(dir.resolve("keyring.json"), "{}");
    passwordFile = Files.writeString(dir.resolve("billing-pg"), "hunter2\n");
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("targets.yaml"),
        yaml.replace("KEYRING", keyring.toString()).replace("PWFILE", passwordFile.toString()));
  }

  private ConfigException refused(String yaml) throws IOException {
    Path f = write(yaml);
    return assertThrows(ConfigException.class, () -> TargetsConfigLoader.load(f, ENV));
  }

  private static void assertMessage(ConfigException e, int line, int column, String field, String problem) {
    String expected = e.file() + ":" + line + ":" + column + ": " + field + ": ";
    assertTrue(e.getMessage().startsWith(expected), () -> "expected prefix <" + expected + "> in <" + e.getMessage() + ">");
    assertTrue(e.getMessage().contains(problem), () -> "expected <" + problem + "> in <" + e.getMessage() + ">");
    assertEquals(line, e.line());
    assertEquals(column, e.column());
    assertEquals(field, e.field());
  }

  @Test
  void readsEveryFieldAndAppliesDefaults() throws IOException {
    Path f = write(VALID);
    TargetsConfig config = TargetsConfigLoader.load(f, ENV);

    assertEquals(f, config.source());
    TargetConfig orders = config.target("orders");
    assertEquals("orders", orders.name());
    assertEquals("postgres", orders.engine());
    assertEquals(new PostgresConnection("127.0.0.1", 5432, "orders", "runbooks_backup",
        new SecretRef("ORDERS_PGPASSWORD", null), "require"), orders.connection());
    assertEquals(new StoreConfig("file:/var/lib/db-runbooks/backups"), orders.backupStore());
    assertEquals(new RegistryConfig("file:///var/lib/db-runbooks/evidence"), orders.evidence());
    assertEquals(new KeySourceConfig(keyring.toString()), orders.keys());
    assertEquals(30.0, orders.maxReplicationLagSeconds());
    assertEquals(new NotifierConfig("https://hooks.example.com/db"), orders.notifier());

    TargetConfig billing = config.target("billing-2");
    assertEquals(new SecretRef(null, passwordFile.toString()), billing.connection().password());
    assertEquals("prefer", billing.connection().sslmode());
    assertEquals(60.0, billing.maxReplicationLagSeconds());
    assertEquals(new NotifierConfig(null), billing.notifier());
  }

  private static String withRate(String rate) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n    maxBackupRate: " + rate + "\n");
  }

  @Test
  void backupRateIsOptionalAndReadInBytesPerSecond() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withRate("20MiB/s")), ENV);
    assertEquals(20L << 20, config.target("orders").maxBackupBytesPerSecond());
    assertEquals(0L, config.target("billing-2").maxBackupBytesPerSecond(), "unlimited by default");
    assertEquals(1_500_000L, TargetsConfigLoader.load(write(withRate("\"1.5MB/s\"")), ENV).target("orders").maxBackupBytesPerSecond());
  }

  @Test
  void backupRateNeedsAUnitPerSecondAndASaneFloor() throws IOException {
    assertMessage(refused(withRate("20MiB")), 15, 5, "targets.orders.maxBackupRate", "expected a rate like \"50MiB/s\"");
    assertMessage(refused(withRate("20")), 15, 5, "targets.orders.maxBackupRate", "got 20");
    assertMessage(refused(withRate("fast")), 15, 5, "targets.orders.maxBackupRate", "got \"fast\"");
    assertMessage(refused(withRate("1KiB/s")), 15, 5, "targets.orders.maxBackupRate", "at least 64KiB/s");
  }

  private static String withRetention(String retention) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n    retention: " + retention + "\n");
  }

  @Test
  void retentionIsOptionalAndNeverDropsBelowOneBackup() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withRetention("{ recoveryWindowDays: 14, minFullBackups: 3 }")), ENV);
    assertEquals(new RetentionPolicy(14, 3), config.target("orders").retention());
    assertEquals(null, config.target("billing-2").retention(), "without a policy nothing is ever expired");
    assertMessage(refused(withRetention("{ recoveryWindowDays: 14, minFullBackups: 0 }")), 15, 42,
        "targets.orders.retention.minFullBackups", "expected a whole number of backups (the newest backup is never expired) >= 1, got 0");
    assertMessage(refused(withRetention("{ recoveryWindowDays: 7 }")), 15, 5, "targets.orders.retention.minFullBackups", "");
    assertMessage(refused(withRetention("{ recoveryWindowDays: 7d, minFullBackups: 1 }")), 15, 18,
        "targets.orders.retention.recoveryWindowDays", "got \"7d\"");
  }

  @Test
  void retentionClassesGiveEachBackupClassItsOwnPeriod() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withRetention("{ recoveryWindowDays: 7, minFullBackups: 2, classes: "
        + "{ hourly: { keepDays: 30 }, daily: { keepDays: 90 }, weekly: { keepDays: 365 } } }")), ENV);
    RetentionPolicy policy = config.target("orders").retention();
    assertEquals(7, policy.recoveryWindowDays());
    assertEquals(Map.of("hourly", 30, "daily", 90, "weekly", 365), policy.keepDaysByClass());
    assertEquals(Map.of(), TargetsConfigLoader.load(write(withRetention("{ recoveryWindowDays: 7, minFullBackups: 2 }")), ENV)
        .target("orders").retention().classes(), "the old shape still reads, with no classes");
    String head = "{ recoveryWindowDays: 7, minFullBackups: 2, classes: ";
    assertMessage(refused(withRetention(head + "{ Weekly: { keepDays: 365 } } }")), 15, 71,
        "targets.orders.retention.classes.Weekly", "a class name is 1-63 lower-case letters");
    assertMessage(refused(withRetention(head + "{ weekly: { keepDays: 0 } } }")), 15, 81,
        "targets.orders.retention.classes.weekly.keepDays", "expected a whole number of days >= 1, got 0");
    assertMessage(refused(withRetention(head + "{ weekly: { keep: 30 } } }")), 15, 81,
        "targets.orders.retention.classes.weekly.keep", "unknown key \"keep\"; expected one of keepDays");
    assertMessage(refused(withRetention(head + "[ weekly ] }")), 15, 60,
        "targets.orders.retention.classes", "expected a mapping of class names to { keepDays: N }, got a list");
  }

  private static String withRestore(String block) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n    restore:\n" + block);
  }

  @Test
  void restoreBlockIsOptionalWithAnyFreePortByDefault() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withRestore("      directory: /srv/restores\n")), ENV);
    assertEquals(new RestoreConfig(Path.of("/srv/restores"), 0, 0), config.target("orders").restore());
    assertEquals(null, config.target("billing-2").restore(), "no block, no restores");
    TargetConfig ranged = TargetsConfigLoader.load(write(withRestore("      directory: /srv/restores\n      port: 55432-55439\n")), ENV)
        .target("orders");
    assertEquals(new RestoreConfig(Path.of("/srv/restores"), 55432, 55439), ranged.restore());
  }

  @Test
  void restoreBlockNeedsAnAbsoluteDirectoryAndASanePortRange() throws IOException {
    assertMessage(refused(withRestore("      directory: restores\n")), 16, 7, "targets.orders.restore.directory",
        "expected an absolute path");
    assertMessage(refused(withRestore("      port: 0\n")), 15, 5, "targets.orders.restore.directory", "required field is missing");
    assertMessage(refused(withRestore("      directory: /srv/r\n      port: 80-90\n")), 17, 7, "targets.orders.restore.port",
        "within 1024-65535");
    assertMessage(refused(withRestore("      directory: /srv/r\n      port: 5432\n")), 17, 7, "targets.orders.restore.port",
        "got 5432");
    assertMessage(refused(withRestore("      directory: /srv/r\n      ports: 0\n")), 17, 7, "targets.orders.restore.ports",
        "unknown key");
  }

  private static String withMonitoring(String block) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n    monitoring:\n" + block);
  }

  @Test
  void monitoringLimitsAreOptionalWithDefaultsOf8HoursAnd15Minutes() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withMonitoring("      backupMaxAgeHours: 6.5\n      walArchiveMaxLagMinutes: 5\n")), ENV);
    assertEquals(new MonitoringConfig(java.time.Duration.ofMinutes(390), java.time.Duration.ofMinutes(5)), config.target("orders").monitoring());
    assertEquals(MonitoringConfig.DEFAULT, config.target("billing-2").monitoring());
    assertEquals(java.time.Duration.ofHours(8), MonitoringConfig.DEFAULT.backupMaxAge());
    assertEquals(java.time.Duration.ofMinutes(15), MonitoringConfig.DEFAULT.walArchiveMaxLag());
  }

  @Test
  void monitoringLimitsMustBePositiveNumbersOfKnownNames() throws IOException {
    assertMessage(refused(withMonitoring("      backupMaxAgeHours: 0\n")), 16, 7, "targets.orders.monitoring.backupMaxAgeHours",
        "expected a number of hours greater than 0, got 0");
    assertMessage(refused(withMonitoring("      walArchiveMaxLagMinutes: soon\n")), 16, 7,
        "targets.orders.monitoring.walArchiveMaxLagMinutes", "got \"soon\"");
    assertMessage(refused(withMonitoring("      backupMaxAge: 8h\n")), 16, 7, "targets.orders.monitoring.backupMaxAge",
        "unknown key \"backupMaxAge\"; expected one of backupMaxAgeHours, walArchiveMaxLagMinutes");
  }

  private static String withWalArchive(String block) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n    walArchive:\n" + block);
  }

  @Test
  void walArchiveIsOptionalWithASlotNamedAfterTheTarget() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withWalArchive("      slot: orders_archive\n      flushIntervalSeconds: 0.5\n")), ENV);
    assertEquals(new WalArchiveConfig("orders_archive", java.time.Duration.ofMillis(500)), config.target("orders").walArchive());
    assertEquals("orders_archive", config.target("orders").walArchive().slotFor("orders"));

    WalArchiveConfig defaults = config.target("billing-2").walArchive();
    assertEquals(WalArchiveConfig.DEFAULT, defaults);
    assertEquals("db_runbooks_billing_2", defaults.slotFor("billing-2"), "'-' is not allowed in slot names");
    assertEquals(java.time.Duration.ofSeconds(1), defaults.flushInterval());
  }

  @Test
  void walArchiveSlotNamesAndFlushIntervalsAreChecked() throws IOException {
    assertMessage(refused(withWalArchive("      slot: Orders-Archive\n")), 16, 7, "targets.orders.walArchive.slot",
        "a replication slot name is 1-63 lower-case letters, digits and '_', got \"Orders-Archive\"");
    assertMessage(refused(withWalArchive("      flushIntervalSeconds: 0\n")), 16, 7,
        "targets.orders.walArchive.flushIntervalSeconds", "expected a number of seconds from 0.1 to 60, got 0");
    assertMessage(refused(withWalArchive("      flushIntervalSeconds: soon\n")), 16, 7,
        "targets.orders.walArchive.flushIntervalSeconds", "got \"soon\"");
    assertMessage(refused(withWalArchive("      slots: x\n")), 16, 7, "targets.orders.walArchive.slots",
        "unknown key \"slots\"; expected one of flushIntervalSeconds, slot");
  }

  private static final String RESTORE = "    restore: { directory: /srv/restores }\n";
  private static final String PGBOUNCER = """
          pgbouncer:
            host: 127.0.0.1
            port: 6432
            admin: { user: runbooks, password: { env: ORDERS_PGPASSWORD } }
            databasesFile: /etc/pgbouncer/databases.ini
            database: orders
            healthCheck: { user: orders_app, password: { file: PWFILE }, query: SELECT count(*) FROM orders }
      """;

  /** {@code blocks} go after line 14, so their first line is line 15. */
  private static String withBlocks(String blocks) {
    return VALID.replace("maxReplicationLagSeconds: 30\n", "maxReplicationLagSeconds: 30\n" + blocks);
  }

  @Test
  void readsPgBouncerAndSwitchoverWithTheirDefaults() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(withBlocks(RESTORE + PGBOUNCER
        + "    switchover: { approvers: [alice, bob] }\n")), ENV);
    TargetConfig orders = config.target("orders");
    assertEquals(new PgBouncerConfig("127.0.0.1", 6432, "prefer",
        new PgBouncerConfig.Login("runbooks", new SecretRef("ORDERS_PGPASSWORD", null)), "/etc/pgbouncer/databases.ini", "orders",
        30, new PgBouncerConfig.HealthCheck("orders_app", new SecretRef(null, passwordFile.toString()), "SELECT count(*) FROM orders")),
        orders.pgbouncer());
    assertEquals(new SwitchoverConfig(java.util.List.of("alice", "bob"), 240, 30, 10, 3, 7, "127.0.0.1"), orders.switchover());
    assertEquals(null, config.target("billing-2").pgbouncer());
    assertEquals(null, config.target("billing-2").switchover(), "no block, no promote restores");

    TargetConfig tuned = TargetsConfigLoader.load(write(withBlocks(RESTORE + PGBOUNCER.replace("database: orders\n",
        "database: orders\n      sslmode: disable\n      pauseTimeoutSeconds: 2.5\n") + """
            switchover:
              approvers: [carol]
              approvalTimeoutMinutes: 0.5
              bakeMinutes: 0
              healthCheckIntervalSeconds: 1
              healthCheckFailures: 1
              keepBlueDays: 0.25
              greenHost: restore-host.internal
        """)), ENV).target("orders");
    assertEquals(2.5, tuned.pgbouncer().pauseTimeoutSeconds());
    assertEquals("disable", tuned.pgbouncer().sslmode());
    assertEquals(new SwitchoverConfig(java.util.List.of("carol"), 0.5, 0, 1, 1, 0.25, "restore-host.internal"), tuned.switchover());
  }

  @Test
  void aPgBouncerWithoutSwitchoverNeedsNoHealthCheckNorPasswords() throws IOException {
    TargetConfig orders = TargetsConfigLoader.load(write(withBlocks("""
            pgbouncer:
              host: pgbouncer.internal
              port: 6432
              admin: { user: runbooks }
              databasesFile: /etc/pgbouncer/databases.ini
              database: orders
        """)), Map.of("ORDERS_PGPASSWORD", "x")).target("orders");
    assertEquals(null, orders.pgbouncer().healthCheck());
    assertFalse(orders.pgbouncer().admin().password().isSet());
    assertEquals(null, orders.switchover());
  }

  @Test
  void aSwitchoverNeedsRestorePgBouncerAndAHealthCheck() throws IOException {
    String switchover = "    switchover: { approvers: [alice] }\n";
    assertMessage(refused(withBlocks(PGBOUNCER + switchover)), 22, 5, "targets.orders.switchover",
        "a switchover needs a restore: block (where the restored cluster is built) in target orders");
    assertMessage(refused(withBlocks(RESTORE + switchover)), 16, 5, "targets.orders.switchover",
        "a switchover needs a pgbouncer: block");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replaceAll("      healthCheck: .*\n", "") + switchover)), 22, 5,
        "targets.orders.switchover", "a switchover needs pgbouncer.healthCheck");
  }

  @Test
  void pgBouncerAndSwitchoverFieldsAreChecked() throws IOException {
    // PGBOUNCER starts on line 16 after RESTORE: pgbouncer 16, host 17, port 18, admin 19, databasesFile 20, database 21, healthCheck 22.
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("port: 6432", "port: 0"))), 18, 7,
        "targets.orders.pgbouncer.port", "expected an integer 1-65535, got 0");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("/etc/pgbouncer/databases.ini", "databases.ini"))), 20, 7,
        "targets.orders.pgbouncer.databasesFile", "expected an absolute path");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("database: orders\n", "database: orders\n      pauseTimeoutSeconds: 0\n"))),
        22, 7, "targets.orders.pgbouncer.pauseTimeoutSeconds", "above 0 and at most 120 (the switch activity must finish PAUSE"
        + " and the rest within its 3-minute start-to-close timeout), got 0");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("database: orders\n", "database: orders\n      pauseTimeoutSeconds: 121\n"))),
        22, 7, "targets.orders.pgbouncer.pauseTimeoutSeconds", "above 0 and at most 120 (the switch activity must finish PAUSE"
        + " and the rest within its 3-minute start-to-close timeout), got 121");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("{ user: runbooks,", "{ user: runbooks, role: x,"))), 19, 32,
        "targets.orders.pgbouncer.admin.role", "unknown key \"role\"; expected one of password, user");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("{ env: ORDERS_PGPASSWORD }", "{ env: PGBOUNCER_ADMIN }"))), 19, 44,
        "targets.orders.pgbouncer.admin.password.env", "environment variable PGBOUNCER_ADMIN is not set");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER.replace("{ user: orders_app,", "{ user: orders_app, qery: x,"))), 22, 40,
        "targets.orders.pgbouncer.healthCheck.qery", "unknown key");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [] }\n")), 23, 19,
        "targets.orders.switchover.approvers", "expected a list of at least one approver name, e.g. [alice, bob], got a list");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: alice }\n")), 23, 19,
        "targets.orders.switchover.approvers", "got \"alice\"");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice, alice] }\n")), 23, 19,
        "targets.orders.switchover.approvers[1]", "\"alice\" is listed twice");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], bakeMinutes: -1 }\n")), 23, 39,
        "targets.orders.switchover.bakeMinutes", "expected a number of minutes >= 0, got -1");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], approvalTimeoutMinutes: 0 }\n")),
        23, 39, "targets.orders.switchover.approvalTimeoutMinutes", "above 0, got 0");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], healthCheckIntervalSeconds: 0.5 }\n")),
        23, 39, "targets.orders.switchover.healthCheckIntervalSeconds", "expected a whole number of seconds >= 1, got 0.5");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], healthCheckFailures: 0 }\n")),
        23, 39, "targets.orders.switchover.healthCheckFailures", "consecutive failed checks >= 1, got 0");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], greenHost: 'a b' }\n")),
        23, 39, "targets.orders.switchover.greenHost", "expected a host name or address, got \"a b\"");
    assertMessage(refused(withBlocks(RESTORE + PGBOUNCER + "    switchover: { approvers: [alice], bake: 1 }\n")),
        23, 39, "targets.orders.switchover.bake", "unknown key \"bake\"");
  }

  @Test
  void trustAuthenticationNeedsNoPassword() throws IOException {
    TargetsConfig config = TargetsConfigLoader.load(write(VALID.replace("      password: { env: ORDERS_PGPASSWORD }\n", "")), Map.of());
    assertFalse(config.target("orders").connection().password().isSet());
  }

  @Test
  void portMustBeAnInteger() throws IOException {
    ConfigException e = refused(VALID.replace("port: 5432", "port: five"));
    assertMessage(e, 7, 7, "targets.orders.connection.port", "expected an integer 1-65535, got \"five\"");
    assertTrue(e.getMessage().startsWith(e.file() + ":7:7: targets.orders.connection.port: expected an integer 1-65535, got \"five\""));
  }

  @Test
  void portMustBeInRange() throws IOException {
    assertMessage(refused(VALID.replace("port: 6432", "port: 70000")), 20, 7,
        "targets.billing-2.connection.port", "expected an integer 1-65535, got 70000");
  }

  @Test
  void unknownKeyIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("host: 127.0.0.1", "hots: 127.0.0.1")), 5, 7,
        "targets.orders.connection.hots", "unknown key \"hots\"");
  }

  @Test
  void missingRequiredFieldPointsAtItsMapping() throws IOException {
    assertMessage(refused(VALID.replace("      user: runbooks_backup\n", "")), 4, 5,
        "targets.orders.connection.user", "required field is missing");
  }

  @Test
  void wrongTypeIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("maxReplicationLagSeconds: 30", "maxReplicationLagSeconds: soon")), 14, 5,
        "targets.orders.maxReplicationLagSeconds", "got \"soon\"");
    assertMessage(refused(VALID.replace("    keys:\n      keyring: KEYRING\n", "    keys: KEYRING\n")), 27, 5,
        "targets.billing-2.keys", "expected a mapping, got \"");
  }

  @Test
  void negativeLagIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("maxReplicationLagSeconds: 30", "maxReplicationLagSeconds: -1")), 14, 5,
        "targets.orders.maxReplicationLagSeconds", "expected a number of seconds >= 0, got -1");
  }

  /** The orders target with S3 store, S3 Object Lock registry and KMS keys; line numbers as in VALID from line 11. */
  private static final String AWS = VALID.replace("""
          backupStore: file:/var/lib/db-runbooks/backups
          evidence: file:///var/lib/db-runbooks/evidence
          keys: { keyring: KEYRING }
      """, """
          backupStore: { uri: s3://acme-backups/prod/, endpoint: http://127.0.0.1:5000, region: us-east-1, pathStyle: true }
          evidence: { uri: s3://acme-evidence, retentionDays: 365, endpoint: http://127.0.0.1:5000 }
          keys: { kms: { keyId: alias/db-runbooks, signingKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, region: eu-west-1 } }
      """);

  @Test
  void readsS3StoresObjectLockRegistriesAndKms() throws IOException {
    TargetConfig orders = TargetsConfigLoader.load(write(AWS), ENV).target("orders");
    assertEquals(new StoreConfig("s3://acme-backups/prod", new AwsEndpoint("http://127.0.0.1:5000", "us-east-1", true)), orders.backupStore());
    assertEquals(new RegistryConfig("s3://acme-evidence", new AwsEndpoint("http://127.0.0.1:5000", null, false), 365), orders.evidence());
    assertEquals(new KeySourceConfig(null, new KmsConfig("alias/db-runbooks", "1234abcd-12ab-34cd-56ef-1234567890ab",
        new AwsEndpoint(null, "eu-west-1", false))), orders.keys());
  }

  @Test
  void anS3StoreMayBeAPlainUri() throws IOException {
    TargetConfig orders = TargetsConfigLoader.load(write(VALID.replace("file:/var/lib/db-runbooks/backups", "s3://bucket/a/b")), ENV).target("orders");
    assertEquals(new StoreConfig("s3://bucket/a/b", AwsEndpoint.DEFAULT), orders.backupStore());
    assertTrue(orders.backupStore().isS3());
  }

  @Test
  void badS3UrisAndEndpointsAreRefused() throws IOException {
    assertMessage(refused(VALID.replace("file:/var/lib/db-runbooks/backups", "s3://Bad_Bucket/x")), 11, 5,
        "targets.orders.backupStore", "expected s3://bucket/prefix");
    assertMessage(refused(VALID.replace("file:/var/lib/db-runbooks/backups", "s3://bucket/a//b")), 11, 5,
        "targets.orders.backupStore", "got \"s3://bucket/a//b\"");
    assertMessage(refused(AWS.replace("endpoint: http://127.0.0.1:5000, region", "endpoint: 127.0.0.1:5000, region")), 11, 50,
        "targets.orders.backupStore.endpoint", "expected an http(s) URL");
    assertMessage(refused(AWS.replace("pathStyle: true", "pathStyle: yes please")), 11, 102,
        "targets.orders.backupStore.pathStyle", "expected true or false");
    assertMessage(refused(AWS.replace("region: us-east-1", "region: Frankfurt")), 11, 83,
        "targets.orders.backupStore.region", "expected an AWS region name");
    assertMessage(refused(AWS.replace("uri: s3://acme-backups/prod/", "uri: file:/srv/backups")), 11, 20,
        "targets.orders.backupStore.uri", "expected s3://bucket/prefix");
    assertMessage(refused(AWS.replace("pathStyle: true", "pathstyle: true")), 11, 102,
        "targets.orders.backupStore.pathstyle", "unknown key \"pathstyle\"");
  }

  @Test
  void anS3RegistryNeedsARetentionPeriod() throws IOException {
    assertMessage(refused(VALID.replace("file:///var/lib/db-runbooks/evidence", "s3://acme-evidence")), 12, 5,
        "targets.orders.evidence", "needs a retention period: write it as a mapping { uri: s3://acme-evidence, retentionDays: N }");
    assertMessage(refused(AWS.replace("retentionDays: 365, ", "")), 12, 5,
        "targets.orders.evidence.retentionDays", "required field is missing");
    assertMessage(refused(AWS.replace("retentionDays: 365", "retentionDays: 0")), 12, 42,
        "targets.orders.evidence.retentionDays", "expected a whole number of days 1-36500");
    assertMessage(refused(AWS.replace("retentionDays: 365", "retentionDays: 1.5")), 12, 42,
        "targets.orders.evidence.retentionDays", "got 1.5");
  }

  /** VALID with orders' evidence as a file: mapping with the immutable option, in {@code evidence}. */
  private static String immutableIn(Path evidence, String value) {
    return VALID.replace("evidence: file:///var/lib/db-runbooks/evidence",
        "evidence: { uri: file:" + evidence + ", immutable: " + value + " }");
  }

  private static int columnOf(String yaml, String key) {
    String line = yaml.lines().filter(l -> l.contains(key)).findFirst().orElseThrow();
    return line.indexOf(key) + 1;
  }

  @Test
  void aFileRegistryMayAskForTheImmutableAttribute() throws Exception {
    FileSystems.requireRoot("chattr +i needs root (CAP_LINUX_IMMUTABLE)");
    Path evidence = dir.resolve("evidence");
    TargetConfig orders = TargetsConfigLoader.loadForWorker(write(immutableIn(evidence, "true")), ENV).target("orders");
    assertEquals(new RegistryConfig("file:" + evidence, null, 0, true), orders.evidence());
    assertTrue(orders.evidence().immutable());
    try (var left = Files.list(evidence)) {
      assertEquals(0, left.count(), "the configuration check leaves no probe file behind");
    }
    TargetConfig plain = TargetsConfigLoader.load(write(immutableIn(evidence, "false")), ENV).target("orders");
    assertEquals(new RegistryConfig("file:" + evidence), plain.evidence());
    assertFalse(TargetsConfigLoader.load(write(VALID), ENV).target("orders").evidence().immutable());
  }

  /** ramfs has no file attributes: the option must stop the worker at load, not fail its first backup. */
  @Test
  void theImmutableAttributeOnAFileSystemWithoutItIsRefusedAtLoad() throws Exception {
    FileSystems.requireRoot("mounting a ramfs needs root");
    Path ramfs = dir.resolve("ramfs");
    FileSystems.mount(ramfs, "ramfs", "");
    try {
      String yaml = immutableIn(ramfs.resolve("evidence"), "true");
      Path f = write(yaml);
      ConfigException e = assertThrows(ConfigException.class, () -> TargetsConfigLoader.loadForWorker(f, ENV));
      assertMessage(e, 12, columnOf(yaml, "immutable"), "targets.orders.evidence.immutable",
          "the immutable attribute (chattr +i) cannot be set in " + ramfs.resolve("evidence"));
      assertTrue(e.getMessage().contains("or set immutable: false"), e.getMessage());
      // Tools that only read (the CLI) load it without the check; without the option it is a valid registry, as before.
      assertTrue(TargetsConfigLoader.load(f, ENV).target("orders").evidence().immutable());
      assertFalse(TargetsConfigLoader.loadForWorker(write(immutableIn(ramfs.resolve("evidence"), "false")), ENV)
          .target("orders").evidence().immutable());
    } finally {
      FileSystems.unmount(ramfs);
    }
  }

  @Test
  void theImmutableOptionIsABooleanOfFileRegistriesOnly() throws IOException {
    String yaml = immutableIn(dir.resolve("evidence"), "yes please");
    assertMessage(refused(yaml), 12, columnOf(yaml, "immutable"), "targets.orders.evidence.immutable", "expected true or false");
    String s3 = AWS.replace("retentionDays: 365", "retentionDays: 365, immutable: true");
    assertMessage(refused(s3), 12, columnOf(s3, "immutable"), "targets.orders.evidence.immutable", "unknown key \"immutable\"");
    String relative = VALID.replace("evidence: file:///var/lib/db-runbooks/evidence", "evidence: { uri: file:evidence, immutable: true }");
    assertMessage(refused(relative), 12, columnOf(relative, "uri:"), "targets.orders.evidence.uri", "expected a file: URI with an absolute path");
  }

  @Test
  void kmsNeedsBothKeysAndNoKeyring() throws IOException {
    assertMessage(refused(AWS.replace("signingKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab, ", "")), 13, 13,
        "targets.orders.keys.kms.signingKeyId", "required field is missing");
    assertMessage(refused(AWS.replace("signingKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab", "signingKeyId: alias/sign")), 13, 46,
        "targets.orders.keys.kms.signingKeyId", "not by alias");
    assertMessage(refused(AWS.replace("keys: { kms: {", "keys: { keyring: KEYRING, kms: {")), 13, 5,
        "targets.orders.keys", "expected exactly one of");
    assertMessage(refused(AWS.replace("keys: { kms: {", "keys: { kms: { keyID: x,")), 13, 20,
        "targets.orders.keys.kms.keyID", "unknown key \"keyID\"");
  }

  @Test
  void relativeFileUriIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("evidence: file:/srv/evidence", "evidence: file:srv/evidence")), 26, 5,
        "targets.billing-2.evidence", "expected a file: URI with an absolute path");
  }

  @Test
  void keyringMustBeAbsoluteAndReadable() throws IOException {
    assertMessage(refused(VALID.replace("keys: { keyring: KEYRING }", "keys: { keyring: keyring.json }")), 13, 13,
        "targets.orders.keys.keyring", "expected an absolute path, got \"keyring.json\"");
    ConfigException missing = refused(VALID.replace("keys: { keyring: KEYRING }", "keys: { keyring: /nonexistent/keyring.json }"));
    assertMessage(missing, 13, 13, "targets.orders.keys.keyring", "target orders: keyring /nonexistent/keyring.json is not readable: no such file");
  }

  @Test
  void unsupportedEngineIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("engine: postgres\n    connection:\n      host: 127.0.0.1", "engine: mysql\n    connection:\n      host: 127.0.0.1")),
        3, 5, "targets.orders.engine", "unsupported engine: expected one of postgres, got \"mysql\"");
  }

  @Test
  void targetNamesAreRestricted() throws IOException {
    assertMessage(refused(VALID.replace("  orders:", "  Orders:")), 2, 3, "targets.Orders", "target name must match");
  }

  @Test
  void emptyTargetsIsRefused() throws IOException {
    assertMessage(refused("# nothing yet\ntargets:\n"), 2, 1, "targets", "no targets defined");
    assertMessage(refused("targets: {}\n"), 1, 1, "targets", "no targets defined");
    ConfigException empty = refused("");
    assertTrue(empty.getMessage().contains("the file is empty"), empty::getMessage);
  }

  @Test
  void unsetPasswordVariableNamesTargetAndReferenceOnly() throws IOException {
    Path f = write(VALID);
    ConfigException e = assertThrows(ConfigException.class, () -> TargetsConfigLoader.load(f, Map.of()));
    assertMessage(e, 9, 19, "targets.orders.connection.password.env",
        "target orders: password secret env:ORDERS_PGPASSWORD is not readable: environment variable ORDERS_PGPASSWORD is not set");
  }

  @Test
  void missingPasswordFileNamesTargetAndReferenceButNotTheValue() throws IOException {
    ConfigException e = refused(VALID.replace("file: PWFILE", "file: /run/secrets/nope"));
    assertMessage(e, 24, 9, "targets.billing-2.connection.password.file",
        "target billing-2: password secret file:/run/secrets/nope is not readable: no such file");
    assertFalse(e.getMessage().contains("s3cr3t-value"));
  }

  @Test
  void passwordNeedsExactlyOneSource() throws IOException {
    assertMessage(refused(VALID.replace("{ env: ORDERS_PGPASSWORD }", "{ env: ORDERS_PGPASSWORD, file: PWFILE }")), 9, 7,
        "targets.orders.connection.password", "expected exactly one of");
  }

  @Test
  void duplicateKeyIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("      database: orders\n", "      database: orders\n      database: other\n")), 7, 7,
        "targets.orders.connection.database", "duplicate key \"database\" (first at line 6)");
  }

  @Test
  void badWebhookIsRefused() throws IOException {
    assertMessage(refused(VALID.replace("https://hooks.example.com/db", "ftp://hooks.example.com/db")), 15, 17,
        "targets.orders.notifier.webhook", "expected an http(s) URL");
  }

  @Test
  void invalidYamlNamesThePosition() throws IOException {
    ConfigException e = refused(VALID.replace("    engine: postgres\n    connection:\n      host: 127.0.0.1", "    engine: postgres\n    connection:\n      host: [127.0.0.1"));
    assertTrue(e.getMessage().startsWith(e.file() + ":"), e::getMessage);
    assertTrue(e.line() >= 5, e::getMessage);
    assertTrue(e.getMessage().contains("invalid YAML"), e::getMessage);
  }

  @Test
  void missingFileIsRefused() {
    Path f = dir.resolve("absent.yaml");
    ConfigException e = assertThrows(ConfigException.class, () -> TargetsConfigLoader.load(f, ENV));
    assertEquals(f + ": no such file", e.getMessage());
  }
}
