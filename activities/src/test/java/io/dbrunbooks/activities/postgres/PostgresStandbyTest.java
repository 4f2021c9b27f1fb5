package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.TakeBackupRequest;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.dbrunbooks.workflows.backup.VerifyRequest;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.PrecheckReport;
import io.dbrunbooks.workflows.backup.PrecheckRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real primary with a real streaming standby: lag as the precheck reads it, and backups taken from the standby. */
class PostgresStandbyTest {
  @TempDir static Path tmp;
  static LocalCluster primary;
  static LocalCluster standby;
  static LocalKeyring keys;

  TestActivityEnvironment env;
  BackupActivities activities;

  @BeforeAll
  static void startPair() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    primary = LocalCluster.start(tmp.resolve("primary"));
    primary.sql("postgres", "CREATE TABLE ticks (at timestamptz DEFAULT now())", "INSERT INTO ticks DEFAULT VALUES");
    standby = primary.startStandby(tmp.resolve("standby"));
    // A commit replayed by the standby itself, so pg_last_xact_replay_timestamp() is set.
    primary.sql("postgres", "INSERT INTO ticks DEFAULT VALUES");
    awaitReplayed(2);
  }

  @AfterAll
  static void stopPair() throws Exception {
    if (standby != null) {
      standby.close();
    }
    if (primary != null) {
      primary.close();
    }
  }

  @BeforeEach
  void setUp() {
    Map<String, TargetConfig> targets = Map.of(
        "primary", target("primary", primary.connection("postgres"), 1.0),
        "standby", target("standby", standby.connection("postgres"), 1.0));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PostgresBackupActivities(new TargetsConfig(tmp.resolve("targets.yaml"), targets),
        t -> new FileBackupStore(tmp.resolve("store")), t -> keys));
    activities = env.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void readsLagOnBothSidesAndRefusesAStandbyThatFellBehind() throws Exception {
    PrecheckReport p = activities.precheck(new PrecheckRequest("primary", BackupMethod.PHYSICAL));
    assertEquals("primary", p.role());
    assertEquals(1, p.standbys().size(), p.standbys().toString());
    assertEquals("standby-" + standby.port(), p.standbys().get(0).applicationName());
    assertEquals("streaming", p.standbys().get(0).state());

    awaitStandbyAt("pg_last_wal_replay_lsn()");
    PrecheckReport s = activities.precheck(new PrecheckRequest("standby", BackupMethod.PHYSICAL));
    assertEquals("standby", s.role());
    assertEquals(0, s.replicationLagSeconds(), "caught up");
    assertEquals(p.systemIdentifier(), s.systemIdentifier(), "a physical copy shares the system identifier");

    standby.sql("postgres", "SELECT pg_wal_replay_pause()");
    try {
      Thread.sleep(1500);
      primary.sql("postgres", "INSERT INTO ticks DEFAULT VALUES");
      awaitStandbyAt("pg_last_wal_receive_lsn()"); // received, not replayed: the standby is behind
      ApplicationFailure f = PostgresBackupActivitiesTest.failure("ReplicationLagTooHigh",
          () -> activities.precheck(new PrecheckRequest("standby", BackupMethod.PHYSICAL)));
      String m = f.getOriginalMessage();
      assertTrue(m.contains("127.0.0.1:" + standby.port() + " is a standby") && m.contains("limit of 1.0 s"), m);
      assertTrue(f.isNonRetryable());
    } finally {
      standby.sql("postgres", "SELECT pg_wal_replay_resume()");
    }
    awaitReplayed(3);
  }

  /**
   * From the primary: a standby whose replay is paused while writes go on is refused (it reports a
   * replay position, so it is judged as a standby); once it has replayed everything the primary
   * flushed it is caught up. (That a stale replay_lag column does not count against a caught-up
   * standby is in ReplicationLagTest: PostgreSQL's timing of that column cannot be forced here.)
   */
  @Test
  void thePrimaryRefusesALaggingStandbyAndPassesItOnceCaughtUp() throws Exception {
    String name = "standby-" + standby.port();
    standby.sql("postgres", "SELECT pg_wal_replay_pause()");
    try {
      primary.sql("postgres", "INSERT INTO ticks DEFAULT VALUES");
      awaitPrimarySees("replay_lsn < pg_current_wal_flush_lsn() AND replay_lag > interval '1.5 s'");
      ApplicationFailure f = PostgresBackupActivitiesTest.failure("ReplicationLagTooHigh",
          () -> activities.precheck(new PrecheckRequest("primary", BackupMethod.PHYSICAL)));
      String m = f.getOriginalMessage();
      assertTrue(m.contains("standby '" + name + "'") && m.contains("limit of 1.0 s") && m.contains("bytes of WAL not yet replayed"), m);
    } finally {
      standby.sql("postgres", "SELECT pg_wal_replay_resume()");
    }
    awaitPrimarySees("replay_lsn = pg_current_wal_flush_lsn()");
    PrecheckReport p = activities.precheck(new PrecheckRequest("primary", BackupMethod.PHYSICAL));
    assertEquals(0, p.replicationLagSeconds());
    assertEquals(name, p.standbys().get(0).applicationName());
    assertEquals(0, p.standbys().get(0).bytesBehind());
    assertTrue(p.standbys().get(0).judged().startsWith("caught up"), p.standbys().get(0).judged());
    assertEquals(java.util.List.of(), p.receivers());
  }

  /** Waits (bounded) until the primary's pg_stat_replication row for the standby matches {@code condition}. */
  private static void awaitPrimarySees(String condition) throws Exception {
    String sql = "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby-" + standby.port() + "' AND " + condition;
    for (int i = 0; i < 600; i++) {
      if ("1".equals(primary.psql("postgres", sql).strip())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the primary never saw the standby with " + condition + ": "
        + primary.psql("postgres", "SELECT replay_lsn, replay_lag, pg_current_wal_flush_lsn() FROM pg_stat_replication"));
  }

  @Test
  void aPhysicalBackupOfTheStandbyVerifies() {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("standby", "from-standby-1", BackupMethod.PHYSICAL));
    VerificationReport v = activities.verifyBackup(new VerifyRequest("standby", a));
    assertEquals(a.startLsn(), v.startLsn());
    assertTrue(v.checks().stream().anyMatch(c -> c.contains("backup successfully verified")), v.checks().toString());
  }

  static void awaitReplayed(int rows) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (Connection c = standby.connect("postgres"); Statement st = c.createStatement()) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ticks")) {
          rs.next();
          if (rs.getInt(1) >= rows) {
            return;
          }
        } catch (java.sql.SQLException notYet) {
          // the table itself may not have been replayed yet
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("standby did not replay " + rows + " rows within 30 s");
  }

  static TargetConfig target(String name, PostgresConnection c, double maxLag) {
    return new TargetConfig(name, "postgres", c, new StoreConfig("file:" + tmp.resolve("store")), null, null, maxLag, null);
  }

  /** Waits until the standby's {@code position} (received or replayed LSN) reaches the primary's current WAL position. */
  private static void awaitStandbyAt(String position) throws Exception {
    String target = primary.psql("postgres", "SELECT pg_current_wal_lsn()").strip();
    for (int i = 0; i < 300; i++) {
      if ("t".equals(standby.psql("postgres", "SELECT " + position + " >= '" + target + "'::pg_lsn").strip())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the standby's " + position + " never reached " + target);
  }
}
