package io.dbrunbooks.activities.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RecoverRequest;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second bad day: a restore of a restored copy. Blue is restored to a time and the copy
 * (green) is readied as a promote restore readies it, then serves as the target: it is written
 * to, its timeline is archived by the real WAL archiver, and the real backup workflow takes a base
 * backup of it. That backup must restore by LSN, by restore point and to {@code latest}, each to
 * exactly the rows committed by then, whatever green's own recovery left in its configuration.
 */
class RestoreOfAPromotedCopyTest {
  @TempDir static Path tmp;
  static LocalCluster blue;
  static TargetsConfig config;
  static TargetResources resources;
  static RestoreActivitiesImpl restoreActivities;
  static TestWorkflowEnvironment env;
  /** The port of the server the target "orders" is: blue, then green once it serves. */
  static final AtomicInteger serving = new AtomicInteger();
  static String password;
  static RestoreResult green;
  static BackupResult greenBackup;
  static String lsnAfterA;
  static List<Long> upToTime;
  static List<Long> upToA;
  static List<Long> upToB;
  static List<Long> quietRows;
  static io.dbrunbooks.workflows.restore.RecoveredPoint quietRecovered;
  static RuntimeException quietFailure;

  @BeforeAll
  static void aRestoredCopyServesAndIsBackedUp() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path keyring = RestoreFixture.keyring(tmp);
    blue = LocalCluster.start(tmp.resolve("blue"));
    password = Files.readString(blue.passwordFile()).strip();
    serving.set(blue.port());
    blue.createDatabase("orders");
    blue.sql("orders", "CREATE TABLE ticks (id bigserial PRIMARY KEY, note text NOT NULL)");
    config = RestoreFixture.targets(tmp, blue, keyring);
    resources = new TargetResources(config);
    restoreActivities = new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys,
        PgTools.locate(), ReadableClasspath.fetchProgram(tmp.resolve("classpath")));
    env = RestoreFixture.start(config, resources, restoreActivities,
        new PostgresBackupActivities(config, resources::store, resources::keys).withServing(RestoreFixture.servedBy(config, serving::get)));

    // Blue: a backup, then rows before and after a point in time, all archived.
    WalSegmentPusher pusher = new WalSegmentPusher(blue, new WalArchive(resources.store("orders"), resources.keys("orders"), "orders"));
    pusher.init();
    backup();
    pusher.pushCompleted();
    // A quiet database: nothing committed since the backup, so recovery replays no transaction.
    try {
      RestoreResult quiet = restore(RecoveryTarget.latest(), null);
      quietRows = ids(quiet);
      quietRecovered = quiet.recovered();
      restoreActivities.teardown(new TeardownRequest("orders", quiet.restoreId()));
    } catch (RuntimeException e) {
      quietFailure = e;
    }
    blue.sql("orders", "INSERT INTO ticks (note) SELECT 'blue' FROM generate_series(1, 30)");
    String time = blue.psql("orders", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").strip();
    blue.sql("orders", "INSERT INTO ticks (note) SELECT 'blue after the time' FROM generate_series(1, 10)");
    pusher.pushCompleted();

    // Green: blue restored to that time, readied for the archiver as a promote restore is, then the target.
    green = restore(RecoveryTarget.time(time), null);
    upToTime = ids(green);
    assertEquals(30, upToTime.size(), "green has the rows committed by " + time);
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      activityEnv.registerActivitiesImplementations(restoreActivities);
      PointInTimeRestoreTest.activityStub(activityEnv)
          .recover(new RecoverRequest("orders", green.plan(), green.environment(), RestoreMode.PROMOTE));
    } finally {
      activityEnv.close();
    }
    serving.set(green.environment().port());
    sql(green, "INSERT INTO ticks (note) SELECT 'green' FROM generate_series(1, 20)");
    archiveGreen();
    greenBackup = backup();
    sql(green, "INSERT INTO ticks (note) SELECT 'green A' FROM generate_series(1, 20)");
    lsnAfterA = sql(green, "SELECT pg_current_wal_insert_lsn()::text");
    upToA = ids(green);
    sql(green, "SELECT pg_create_restore_point('green-after-a')");
    sql(green, "INSERT INTO ticks (note) SELECT 'green B' FROM generate_series(1, 20)");
    upToB = ids(green);
    archiveGreen();
  }

  @AfterAll
  static void stop() throws IOException {
    if (env != null) {
      env.close();
    }
    if (green != null) {
      restoreActivities.teardown(new TeardownRequest("orders", green.restoreId()));
    }
    if (blue != null) {
      blue.close();
    }
  }

  @Test
  void aRecoveredCopyKeepsNoRecoverySettingsForItsBackupsToCarry() throws Exception {
    Path auto = Path.of(green.environment().dataDirectory(), "postgresql.auto.conf");
    String conf = Files.readString(auto);
    // Names only: the restore_command holds the whole class path.
    assertEquals(List.of(), RecoverySettingsTest.recoverySettingLines(conf).stream().map(l -> l.strip().split("[\\s=]")[0]).toList(),
        "recovery settings left in " + auto);
  }

  @Test
  void aQuietDatabaseRestoresToLatestThoughRecoveryReplaysNoTransaction() {
    if (quietFailure != null) {
      throw quietFailure;
    }
    assertEquals(List.of(), quietRows);
    assertNull(quietRecovered.lastTransactionTime(), "no transaction replayed: " + quietRecovered);
  }

  @Test
  void greensBackupRestoresToAnLsn() throws Exception {
    assertRestores(RecoveryTarget.lsn(lsnAfterA), upToA);
  }

  @Test
  void greensBackupRestoresToARestorePoint() throws Exception {
    assertRestores(RecoveryTarget.name("green-after-a"), upToA);
  }

  @Test
  void greensBackupRestoresToLatest() throws Exception {
    assertRestores(RecoveryTarget.latest(), upToB);
  }

  static void assertRestores(RecoveryTarget to, List<Long> expected) throws Exception {
    RestoreResult r = restore(to, greenBackup.backupId());
    try {
      assertEquals(greenBackup.backupId(), r.plan().backupId());
      assertEquals(expected, ids(r), to.describe());
      assertTrue(r.recovered().timeline() > 2, "recovered along green's timeline 2: " + r.recovered());
    } finally {
      restoreActivities.teardown(new TeardownRequest("orders", r.restoreId()));
    }
  }

  /** The real WAL archiver, connected to green, archives its timeline up to where green is now. */
  static void archiveGreen() throws Exception {
    RestoreFixture.archive(config, resources, RestoreFixture.servedBy(config, serving::get), 2,
        Lsn.parse(sql(green, "SELECT pg_current_wal_lsn()::text")));
  }

  static BackupResult backup() {
    return env.getWorkflowClient().newWorkflowStub(BackupWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("backup/orders").setTaskQueue(TaskQueues.RUNBOOKS).build())
        .run(RunbookInput.of(new BackupRequest("orders", BackupMethod.PHYSICAL, "tester", null, null)));
  }

  static RestoreResult restore(RecoveryTarget to, String backupId) {
    return env.getWorkflowClient().newWorkflowStub(PointInTimeRestoreWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("restore/orders").setTaskQueue(TaskQueues.RUNBOOKS).build())
        .run(RunbookInput.of(new RestoreRequest("orders", to, backupId, RestoreMode.ISOLATED, List.of(), false, false, "tester", "TEST-8")));
  }

  static Connection connect(RestoreResult r) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", password);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + r.environment().port() + "/orders", p);
  }

  /** One statement on a restored server, in its own transaction; its first column of the first row, if any. */
  static String sql(RestoreResult r, String statement) throws SQLException {
    try (Connection c = connect(r); Statement s = c.createStatement()) {
      if (s.execute(statement)) {
        try (ResultSet rs = s.getResultSet()) {
          return rs.next() ? rs.getString(1) : null;
        }
      }
      return null;
    }
  }

  static List<Long> ids(RestoreResult r) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Connection c = connect(r); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM ticks ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }
}
