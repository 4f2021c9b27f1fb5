package io.dbrunbooks.activities.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.KeySourceConfig;
import io.dbrunbooks.activities.config.NotifierConfig;
import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.RegistryConfig;
import io.dbrunbooks.activities.config.RestoreConfig;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.SwitchoverConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.pgbouncer.Backend;
import io.dbrunbooks.activities.pgbouncer.LandedLoad;
import io.dbrunbooks.activities.pgbouncer.LocalPgBouncer;
import io.dbrunbooks.activities.pgbouncer.PgBouncerSwitch;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.activities.restore.RestoreFailures;
import io.dbrunbooks.activities.restore.RestoreServing;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.restore.BackendRef;
import io.dbrunbooks.workflows.restore.BakeReport;
import io.dbrunbooks.workflows.restore.BlueGreenState;
import io.dbrunbooks.workflows.restore.BlueRequest;
import io.dbrunbooks.workflows.restore.BlueServer;
import io.dbrunbooks.workflows.restore.BlueStopped;
import io.dbrunbooks.workflows.restore.GuardrailsRequest;
import io.dbrunbooks.workflows.restore.HealthOutcome;
import io.dbrunbooks.workflows.restore.HealthRequest;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import io.dbrunbooks.workflows.restore.SwitchOutcome;
import io.dbrunbooks.workflows.restore.SwitchTrafficRequest;
import io.dbrunbooks.workflows.restore.SwitchoverActivities;
import io.dbrunbooks.workflows.restore.SwitchoverPolicy;
import io.dbrunbooks.workflows.restore.SwitchoverPolicyRequest;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.dbrunbooks.workflows.restore.WatchHealthRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blue is a real cluster behind a real PgBouncer; the restores are physical copies of blue in
 * directories as the restore activities leave them (marker, data directory): green promoted, one
 * still a standby, and a stranger (another cluster with the same roles). The activities run through
 * Temporal's activity test environment, so heartbeats and failures travel as on a worker. The last
 * test decommissions blue, so it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverActivitiesImplTest {
  static final String TARGET = "orders";
  static final String DB = "appdb";
  static final String APP = "app";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static LocalCluster blue;
  static LocalCluster green;
  static LocalCluster standby;
  static LocalCluster stranger;
  static LocalPgBouncer pgbouncer;
  static Path restoreRoot;
  static LandedLoad landed;
  static String appPassword;
  static String verifier;
  static TargetsConfig config;
  static PgBouncerConfig pgbCfg;
  static RestoreEnvironment greenEnv;
  static RestoreEnvironment standbyEnv;
  static RestoreEnvironment strangerEnv;
  static BackendRef BLUE;
  static TestActivityEnvironment testEnv;
  static SwitchoverActivities activities;

  @BeforeAll
  static void blueBehindPgBouncerAndItsRestores() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    blue = LocalCluster.start(tmp.resolve("blue"));
    rename(blue, "blue");
    appPassword = "app-" + Long.toHexString(System.nanoTime());
    Path appPasswordFile = tmp.resolve("app-password");
    Files.writeString(appPasswordFile, appPassword + "\n");
    blue.sql("postgres", "CREATE ROLE " + APP + " LOGIN PASSWORD '" + appPassword + "'", "CREATE DATABASE " + DB + " OWNER " + APP);
    PgTools.Result init = PgTools.locate().run("pgbench", List.of("-i", "-s", "1", "-q", "-h", "127.0.0.1",
        "-p", String.valueOf(blue.port()), "-U", APP, DB), appPassword);
    assertEquals(0, init.exitCode(), init.stderr());
    appSql(blue.jdbcUrl(DB), LandedLoad.TABLE);
    verifier = LocalPgBouncer.scramSecret(blue, APP);

    restoreRoot = Files.createDirectories(tmp.resolve("restores"));
    Files.setPosixFilePermissions(restoreRoot, PosixFilePermissions.fromString("rwx--x--x"));
    green = blue.startStandby(restoreRoot.resolve("r-green"));
    green.sql("postgres", "SELECT pg_promote()");
    greenEnv = restoreOf(green, "r-green", "orders-restore-green");
    standby = blue.startStandby(restoreRoot.resolve("r-standby"));
    standbyEnv = restoreOf(standby, "r-standby", "orders-restore-standby");
    stranger = LocalCluster.start(restoreRoot.resolve("r-stranger"));
    stranger.sql("postgres", "CREATE ROLE " + APP + " LOGIN PASSWORD '" + verifier + "'", "CREATE DATABASE " + DB + " OWNER " + APP);
    strangerEnv = restoreOf(stranger, "r-stranger", "orders-restore-stranger");

    BLUE = new BackendRef("127.0.0.1", blue.port(), DB);
    pgbouncer = LocalPgBouncer.start(tmp.resolve("pgbouncer"), Map.of(DB, backend(BLUE)), Map.of(APP, verifier));
    landed = new LandedLoad(tmp, pgbouncer, DB, APP, appPassword);
    pgbCfg = pgbouncer.config(DB, APP, new SecretRef(null, appPasswordFile.toString()), "SELECT count(*) FROM pgbench_branches");
    TargetConfig bare = new TargetConfig(TARGET, "postgres", blue.connection(DB), new StoreConfig("file:" + tmp.resolve("store")),
        new RegistryConfig("file:" + tmp.resolve("evidence")), new KeySourceConfig(tmp.resolve("keyring.json").toString()), 30,
        new NotifierConfig(null), 0, null, new RestoreConfig(restoreRoot, 0, 0), null);
    TargetConfig orders = bare.withSwitchover(pgbCfg, new SwitchoverConfig(List.of("alice"), 240, 0.1, 1, 2, 7, "127.0.0.1"));
    TargetConfig noSwitchover = new TargetConfig("billing", bare.engine(), bare.connection(), bare.backupStore(), bare.evidence(),
        bare.keys(), 30, bare.notifier(), 0, null, bare.restore(), null, pgbCfg, null);
    config = new TargetsConfig(tmp.resolve("targets.yaml"), Map.of(TARGET, orders, "billing", noSwitchover));


    testEnv = TestActivityEnvironment.newInstance();
    testEnv.registerActivitiesImplementations(new SwitchoverActivitiesImpl(config));
    activities = testEnv.newActivityStub(SwitchoverActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5)).setHeartbeatTimeout(Duration.ofSeconds(10))
        .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterAll
  static void stopAll() {
    if (testEnv != null) {
      testEnv.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {pgbouncer, green, standby, stranger, blue}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception stoppedOrRemovedByTheTest) {
        // blue and green are stopped (blue removed) by the decommission test
      }
    }
  }

  @BeforeEach
  void trafficOnBlueAndNoRestoreServing() throws Exception {
    new PgBouncerSwitch(pgbCfg).switchTo(backend(BLUE));
    RestoreServing.clear(config.target(TARGET), "r-green");
    testEnv.setHeartbeatDetails(null);
  }

  @Test
  @Order(1)
  void policyReadsTheSettingsAndPgBouncersBackendAndRefusesATargetWithoutThem() {
    SwitchoverPolicy policy = activities.policy(new SwitchoverPolicyRequest(TARGET));
    assertEquals(List.of("alice"), policy.approvers());
    assertEquals(14_400, policy.approvalTimeoutSeconds());
    assertEquals(6, policy.bakeSeconds());
    assertEquals(1, policy.healthCheckIntervalSeconds());
    assertEquals(2, policy.healthCheckFailures());
    assertEquals(7 * 86_400, policy.keepBlueSeconds());
    assertEquals("127.0.0.1:" + pgbouncer.port(), policy.pgbouncer());
    assertEquals(DB, policy.database());
    assertEquals(BLUE, policy.blue());

    ApplicationFailure f = failure(() -> activities.policy(new SwitchoverPolicyRequest("billing")));
    assertEquals(SwitchoverFailures.NOT_CONFIGURED, f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("target 'billing' has no switchover: settings"), f.getOriginalMessage());
  }

  @Test
  @Order(2)
  void guardrailsRecordBlueAndAcceptItsPromotedCopy() throws Exception {
    BlueGreenState state = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv));

    BlueServer b = state.blueServer();
    assertEquals(blue.dataDirectory().toString(), b.dataDirectory());
    assertEquals(systemIdentifier(blue), b.systemIdentifier());
    assertEquals(blue.port(), b.port());
    assertEquals("blue", b.clusterName());
    assertEquals(1, b.timeline());
    assertTrue(b.version().startsWith("15."), b.version());
    assertTrue(b.lsn().matches("[0-9A-F]+/[0-9A-F]+"), b.lsn());
    assertEquals(BLUE, state.blue());
    assertEquals(new BackendRef("127.0.0.1", green.port(), DB), state.green());
    assertEquals("orders-restore-green", state.greenClusterName());
    assertEquals("transaction", state.poolMode());
    assertEquals(systemIdentifier(blue), systemIdentifier(green), "green is a copy of blue");
  }

  @Test
  @Order(3)
  void guardrailsRefuseAnotherClusterAStandbyAndAMissingRestore() {
    ApplicationFailure other = failure(() -> activities.guardrails(new GuardrailsRequest(TARGET, "r-stranger", strangerEnv)));
    assertEquals(SwitchoverFailures.GUARDRAIL_FAILED, other.getType());
    assertTrue(other.isNonRetryable());
    assertTrue(other.getOriginalMessage().contains("is another cluster"), other.getOriginalMessage());

    ApplicationFailure recovering = failure(() -> activities.guardrails(new GuardrailsRequest(TARGET, "r-standby", standbyEnv)));
    assertEquals(SwitchoverFailures.GUARDRAIL_FAILED, recovering.getType());
    assertTrue(recovering.getOriginalMessage().contains("still in recovery"), recovering.getOriginalMessage());

    RestoreEnvironment gone = new RestoreEnvironment("r-gone", restoreRoot.resolve("r-gone").toString(), "x", green.port(), "x");
    ApplicationFailure missing = failure(() -> activities.guardrails(new GuardrailsRequest(TARGET, "r-gone", gone)));
    assertEquals(SwitchoverFailures.GUARDRAIL_FAILED, missing.getType());
    assertTrue(missing.getOriginalMessage().contains("torn down?"), missing.getOriginalMessage());
  }

  @Test
  @Order(4)
  void switchesToGreenAndBackUnderPgbenchWithoutAFailedTransactionAndGreenCannotBeTornDownMeanwhile() throws Exception {
    BlueGreenState state = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv));
    Path serving = restoreRoot.resolve("r-green").resolve("SERVING");
    CompletableFuture<PgTools.Result> load = landed.pgbench(8, 20);
    landed.awaitClients(blue, 0, 8);

    SwitchOutcome toGreen = activities.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", state.green(), true));
    assertTrue(toGreen.changed());
    assertEquals(BLUE, toGreen.from());
    assertEquals(state.green(), toGreen.to());
    assertTrue(toGreen.steps().get(0).startsWith("pause "), toGreen.steps().toString());
    assertTrue(Files.exists(serving), "green is marked as serving");
    landed.awaitClients(green, 0, 8);

    HealthOutcome onGreen = activities.checkHealth(new HealthRequest(TARGET, state.green(), "orders-restore-green"));
    assertTrue(onGreen.ok(), onGreen.problem());
    assertEquals(green.port(), onGreen.serverPort());
    assertEquals("1", onGreen.queryResult());
    HealthOutcome expectingBlue = activities.checkHealth(new HealthRequest(TARGET, BLUE, "blue"));
    assertFalse(expectingBlue.ok());
    assertTrue(expectingBlue.problem().contains("answered by the server on port " + green.port()), expectingBlue.problem());

    ApplicationFailure refused = assertThrows(ApplicationFailure.class, () -> teardown("r-green"));
    assertEquals(RestoreFailures.SERVING_TRAFFIC, refused.getType());
    assertTrue(refused.isNonRetryable());
    assertTrue(refused.getOriginalMessage().contains("Switch the alias back first"), refused.getOriginalMessage());
    assertTrue(Files.exists(Path.of(greenEnv.dataDirectory(), "PG_VERSION")), "the refused teardown removed nothing");
    assertEquals("1", activities.checkHealth(new HealthRequest(TARGET, state.green(), null)).queryResult(), "green still serves");

    long lastBlueId = landed.maxId(blue);
    SwitchOutcome back = activities.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", BLUE, false));
    assertTrue(back.changed());
    assertEquals(state.green(), back.from());
    assertFalse(Files.exists(serving), "the switch back removes the SERVING marker");
    landed.awaitClients(blue, lastBlueId, 8);
    SwitchOutcome again = activities.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", BLUE, false));
    assertFalse(again.changed(), "a retried switch converges");

    PgTools.Result bench = load.get(60, TimeUnit.SECONDS);
    assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
    assertTrue(bench.stdout().contains("number of failed transactions: 0 "), bench.stdout());
    assertEquals(LandedLoad.processed(bench), landed.count(blue, "true") + landed.count(green, "true"),
        "every transaction pgbench counted landed on blue or on green, once");
    assertTrue(activities.checkHealth(new HealthRequest(TARGET, BLUE, "blue")).ok());
  }

  @Test
  @Order(5)
  void teardownOfAServingRestoreIsRefusedUntilTheMarkerIsGone() throws Exception {
    LocalCluster doomed = LocalCluster.start(restoreRoot.resolve("r-doomed"));
    restoreOf(doomed, "r-doomed", "orders-restore-doomed");
    TargetConfig t = config.target(TARGET);
    RestoreServing.mark(t, "r-doomed", new BackendRef("127.0.0.1", doomed.port(), DB));

    ApplicationFailure refused = assertThrows(ApplicationFailure.class, () -> teardown("r-doomed"));
    assertEquals(RestoreFailures.SERVING_TRAFFIC, refused.getType());
    assertEquals("1", doomed.psql("postgres", "SELECT 1").strip(), "the refused teardown left the cluster running");

    assertTrue(RestoreServing.clear(t, "r-doomed"));
    assertEquals(List.of(restoreRoot.resolve("r-doomed").toString()), teardown("r-doomed"));
    assertFalse(Files.exists(restoreRoot.resolve("r-doomed")));
  }

  @Test
  @Order(6)
  void watchHealthIsHealthyAtItsDeadlineAndUnhealthyAfterFailuresInARowResumingFromItsHeartbeat() {
    long start = System.currentTimeMillis();
    BakeReport healthy = activities.watchHealth(new WatchHealthRequest(TARGET, BLUE, "blue", start + 3000, 1, 2));
    assertTrue(healthy.healthy());
    assertTrue(System.currentTimeMillis() - start >= 3000, "the bake lasts until its deadline");
    assertTrue(healthy.checks() >= 2 && healthy.checks() <= 4, "about one check a second: " + healthy);
    assertEquals(0, healthy.failures());
    assertEquals(null, healthy.lastFailure());

    // PgBouncer sends the alias to blue: a bake expecting green fails every check.
    BackendRef notServing = new BackendRef("127.0.0.1", green.port(), DB);
    long deadline = System.currentTimeMillis() + 60_000;
    BakeReport failed = activities.watchHealth(new WatchHealthRequest(TARGET, notServing, null, deadline, 1, 2));
    assertFalse(failed.healthy());
    assertEquals(2, failed.checks());
    assertEquals(2, failed.consecutiveFailures());
    assertTrue(failed.lastFailure().problem().contains("answered by the server on port " + blue.port()), failed.lastFailure().problem());
    assertTrue(System.currentTimeMillis() < deadline - 50_000, "a rollback does not wait for the deadline");

    // A retry after a crash: five checks and one failure in a row were heartbeaten; one more failure ends it.
    testEnv.setHeartbeatDetails(new BakeReport(false, 5, 1, 1, null));
    BakeReport resumed = activities.watchHealth(new WatchHealthRequest(TARGET, notServing, null, deadline, 1, 2));
    assertFalse(resumed.healthy());
    assertEquals(6, resumed.checks());
    assertEquals(2, resumed.failures());
    assertEquals(2, resumed.consecutiveFailures());
  }

  /**
   * An attempt Temporal gave up on (here: cancelled; a heartbeat or start-to-close timeout reaches
   * the attempt the same way, through its next heartbeat) while PAUSE waited: when PAUSE completes
   * it must not go on to green, where the retry or the workflow's rollback would find it.
   */
  @Test
  @Order(6)
  void aSwitchAttemptCancelledWhilePausingUndoesItselfInsteadOfMovingTraffic() throws Exception {
    BlueGreenState state = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv));
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try (Connection longTransaction = DriverManager.getConnection(pgbouncer.jdbcUrl(DB), appProperties())) {
      longTransaction.setAutoCommit(false);
      try (Statement s = longTransaction.createStatement()) {
        s.execute("INSERT INTO landed (client, port) VALUES (-1, inet_server_port())");
      }
      env.registerActivitiesImplementations(new SwitchoverActivitiesImpl(config));
      SwitchoverActivities quick = env.newActivityStub(SwitchoverActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(3)).setHeartbeatTimeout(Duration.ofSeconds(2))
          .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      CompletableFuture<SwitchOutcome> attempt = CompletableFuture.supplyAsync(
          () -> quick.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", state.green(), true)));
      PgBouncerSwitch pgb = new PgBouncerSwitch(pgbCfg);
      landed.await(() -> pgb.state().paused(), "the switch to wait in PAUSE");

      env.requestCancelActivity();
      Thread.sleep(3 * Heartbeater.EVERY_MILLIS); // a few heartbeats: the attempt learns it was cancelled
      longTransaction.commit();

      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> attempt.get(60, TimeUnit.SECONDS));
      Throwable cancelled = e.getCause() instanceof ActivityFailure af ? af.getCause() : e.getCause();
      assertTrue(cancelled instanceof io.temporal.failure.CanceledFailure, String.valueOf(e.getCause()));
      var after = pgb.state();
      assertFalse(after.paused());
      assertEquals(backend(BLUE), after.running(), "the cancelled attempt did not move traffic to green");
      assertEquals(backend(BLUE), after.configured());
      assertFalse(Files.exists(restoreRoot.resolve("r-green").resolve("SERVING")), "and took the SERVING marker off again");
    } finally {
      env.close();
    }
  }

  @Test
  @Order(6)
  void stopBlueRefusesWhileAnotherAliasStillUsesBlueAndNamesTheSessionsConnectedToItDirectly() throws Exception {
    BlueGreenState state = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv));
    activities.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", state.green(), true));
    Path file = pgbouncer.databasesFile();
    String before = Files.readString(file);
    Properties monitor = new Properties();
    monitor.setProperty("user", LocalCluster.SUPERUSER);
    monitor.setProperty("password", Files.readString(blue.passwordFile()).strip());
    monitor.setProperty("ApplicationName", "monitoring-agent");
    try (Connection agent = DriverManager.getConnection(blue.jdbcUrl("postgres"), monitor)) {
      // The switched alias is on green; a second alias in the databases file still reaches blue.
      Files.writeString(file, before + "reports = host=localhost port=" + blue.port() + " dbname=" + DB + "\n");

      ApplicationFailure inUse = failure(() -> activities.stopBlue(new BlueRequest(TARGET, "r-green", state.blueServer())));

      assertEquals(SwitchoverFailures.BLUE_IN_USE, inUse.getType());
      assertTrue(inUse.isNonRetryable());
      assertTrue(inUse.getOriginalMessage().contains("still sends 'reports' -> localhost:" + blue.port() + " (" + file + ")"),
          inUse.getOriginalMessage());
      assertFalse(inUse.getOriginalMessage().contains("'" + DB + "'"), "the switched alias is on green: " + inUse.getOriginalMessage());
      assertTrue(inUse.getOriginalMessage().contains("client session(s) connected to blue directly: 1 x postgres (monitoring-agent)"
          + " from 127.0.0.1"), inUse.getOriginalMessage());
      assertEquals("1", blue.psql("postgres", "SELECT 1").strip(), "blue keeps running");
    } finally {
      Files.writeString(file, before);
    }
  }

  @Test
  @Order(6)
  void aStandbyIsNeverRecordedNorStoppedNorRemovedAsBlue() throws Exception {
    TargetConfig o = config.target(TARGET);
    TargetConfig viaStandby = new TargetConfig(o.name(), o.engine(), standby.connection(DB), o.backupStore(), o.evidence(), o.keys(),
        o.maxReplicationLagSeconds(), o.notifier(), o.maxBackupBytesPerSecond(), o.retention(), o.restore(), o.walArchive(),
        o.pgbouncer(), o.switchover());
    SwitchoverActivitiesImpl onStandby = new SwitchoverActivitiesImpl(new TargetsConfig(config.source(), Map.of(TARGET, viaStandby)));
    // PgBouncer sends the alias to the standby, and the target's connection reaches it: only pg_is_in_recovery() tells.
    new PgBouncerSwitch(pgbCfg).switchTo(new Backend("127.0.0.1", standby.port(), DB));
    ApplicationFailure recorded = assertThrows(ApplicationFailure.class,
        () -> onStandby.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv)));
    assertEquals(SwitchoverFailures.GUARDRAIL_FAILED, recorded.getType());
    assertTrue(recorded.getOriginalMessage().contains("reaches a server in recovery on port " + standby.port() + " (a standby)"),
        recorded.getOriginalMessage());
    new PgBouncerSwitch(pgbCfg).switchTo(backend(BLUE));

    // Recorded as blue all the same (same system identifier), a running standby is not stopped...
    BlueServer b = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv)).blueServer();
    BlueServer standbyAsBlue = new BlueServer(standby.dataDirectory().toString(), b.systemIdentifier(), b.timeline(), b.lsn(),
        "orders-restore-standby", standby.port(), b.version());
    ApplicationFailure stop = failure(() -> activities.stopBlue(new BlueRequest(TARGET, "r-green", standbyAsBlue)));
    assertEquals(SwitchoverFailures.BLUE_MISMATCH, stop.getType());
    assertTrue(stop.getOriginalMessage().contains("says 'in archive recovery', not 'in production'"), stop.getOriginalMessage());
    assertEquals("1", standby.psql("postgres", "SELECT 1").strip(), "the standby keeps running");

    // ...nor a primary on the recorded directory that listens on another port than recorded...
    BlueServer otherPort = new BlueServer(b.dataDirectory(), b.systemIdentifier(), b.timeline(), b.lsn(), b.clusterName(),
        green.port(), b.version());
    ApplicationFailure port = failure(() -> activities.stopBlue(new BlueRequest(TARGET, "r-green", otherPort)));
    assertEquals(SwitchoverFailures.BLUE_MISMATCH, port.getType());
    assertTrue(port.getOriginalMessage().contains("listens on port " + blue.port() + " (postmaster.pid), not on blue's recorded port "
        + green.port()), port.getOriginalMessage());
    assertEquals("1", blue.psql("postgres", "SELECT 1").strip(), "blue keeps running");

    // ...and a stopped standby ("shut down in recovery") is not removed.
    standby.stop();
    ApplicationFailure remove = failure(() -> activities.removeBlue(new BlueRequest(TARGET, "r-green", standbyAsBlue)));
    assertEquals(SwitchoverFailures.BLUE_NOT_SHUT_DOWN, remove.getType());
    assertTrue(remove.isNonRetryable());
    assertTrue(remove.getOriginalMessage().contains("says 'shut down in recovery', not 'shut down'"), remove.getOriginalMessage());
    assertTrue(Files.exists(standby.dataDirectory().resolve("PG_VERSION")), "nothing was removed");
  }

  @Test
  @Order(6)
  void removingBlueHeartbeatsAndACancellationStopsItLeavingTheMarkerForTheRetry() throws Exception {
    LocalCluster doomed = LocalCluster.start(tmp.resolve("doomed-blue"));
    String id = systemIdentifier(doomed);
    doomed.stop();
    Path many = Files.createDirectories(doomed.dataDirectory().resolve("many"));
    for (int i = 0; i < 2000; i++) {
      Files.writeString(many.resolve("f" + i), "x");
    }
    BlueRequest request = new BlueRequest(TARGET, "r-green", new BlueServer(doomed.dataDirectory().toString(), id, 1, "0/0",
        "doomed", doomed.port(), "15"));
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(new SwitchoverActivitiesImpl(config));
      List<Object> heartbeats = new java.util.concurrent.CopyOnWriteArrayList<>();
      env.setActivityHeartbeatListener(Object.class, heartbeats::add);
      SwitchoverActivities cancellable = env.newActivityStub(SwitchoverActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(3)).setHeartbeatTimeout(Duration.ofSeconds(10))
          .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      env.requestCancelActivity(); // delivered with the removal's first heartbeat

      Exception e = assertThrows(Exception.class, () -> cancellable.removeBlue(request));

      Throwable cancelled = e instanceof ActivityFailure af ? af.getCause() : e;
      assertTrue(cancelled instanceof io.temporal.failure.CanceledFailure, String.valueOf(e));
      assertFalse(heartbeats.isEmpty(), "the removal heartbeats");
      assertTrue(Files.isRegularFile(doomed.dataDirectory().resolve(".db-runbooks-removing")), "the marker stays for the retry");
      assertTrue(Files.exists(many), "the removal stopped before the end");
    } finally {
      env.close();
    }
    assertEquals(List.of(doomed.dataDirectory().toString()), activities.removeBlue(request), "the retry finishes it");
    assertFalse(Files.exists(doomed.dataDirectory()));
  }

  @Test
  @Order(7)
  void blueIsStoppedOnlyOnceTrafficLeftItThenRemovedOnlyWhenStoppedAndGreenFailingIsSeen() throws Exception {
    BlueGreenState state = activities.guardrails(new GuardrailsRequest(TARGET, "r-green", greenEnv));
    BlueServer b = state.blueServer();
    BlueRequest stop = new BlueRequest(TARGET, "r-green", b);

    ApplicationFailure inUse = failure(() -> activities.stopBlue(stop));
    assertEquals(SwitchoverFailures.BLUE_IN_USE, inUse.getType());
    assertTrue(inUse.isNonRetryable());
    assertEquals("1", blue.psql("postgres", "SELECT 1").strip(), "blue serving traffic keeps running");
    ApplicationFailure running = failure(() -> activities.removeBlue(stop));
    assertEquals(SwitchoverFailures.BLUE_IN_USE, running.getType());
    assertTrue(running.getOriginalMessage().contains("is running: stop it first"), running.getOriginalMessage());

    activities.switchTraffic(new SwitchTrafficRequest(TARGET, "r-green", state.green(), true));
    BlueServer impostor = new BlueServer(b.dataDirectory(), "1234567890", b.timeline(), b.lsn(), b.clusterName(), b.port(), b.version());
    ApplicationFailure mismatch = failure(() -> activities.stopBlue(new BlueRequest(TARGET, "r-green", impostor)));
    assertEquals(SwitchoverFailures.BLUE_MISMATCH, mismatch.getType());
    assertTrue(mismatch.getOriginalMessage().contains("system identifier " + b.systemIdentifier() + ", not blue (1234567890)"),
        mismatch.getOriginalMessage());
    assertEquals("1", blue.psql("postgres", "SELECT 1").strip());

    BlueStopped stopped = activities.stopBlue(stop);
    assertTrue(stopped.wasRunning());
    assertEquals(b.dataDirectory(), stopped.dataDirectory());
    assertTrue(stopped.lsn().matches("[0-9A-F]+/[0-9A-F]+"), stopped.lsn());
    assertThrows(IOException.class, () -> blue.psql("postgres", "SELECT 1"), "blue is down");
    assertFalse(Files.exists(blue.dataDirectory().resolve("postmaster.pid")));
    BlueStopped again = activities.stopBlue(stop);
    assertFalse(again.wasRunning(), "stopping a stopped blue is a no-op");
    assertEquals(stopped.lsn(), again.lsn());
    assertTrue(activities.checkHealth(new HealthRequest(TARGET, state.green(), "orders-restore-green")).ok(), "green carries on");

    assertEquals(List.of(b.dataDirectory()), activities.removeBlue(stop));
    assertFalse(Files.exists(blue.dataDirectory()));
    assertEquals(List.of(), activities.removeBlue(stop), "gone already");

    // Green goes down during a bake: every check fails and the bake reports it after two in a row.
    green.stop();
    BakeReport bake = activities.watchHealth(new WatchHealthRequest(TARGET, state.green(), "orders-restore-green",
        System.currentTimeMillis() + 60_000, 1, 2));
    assertFalse(bake.healthy());
    assertEquals(2, bake.consecutiveFailures());
    assertTrue(bake.lastFailure().problem().contains("health check of database '" + DB + "'"), bake.lastFailure().problem());
  }

  // ---------------------------------------------------------------- helpers

  /** A copy left where a restore leaves it: {@code <restore root>/<id>/data}, with the restore's marker and cluster name. */
  static RestoreEnvironment restoreOf(LocalCluster c, String restoreId, String clusterName) throws Exception {
    rename(c, clusterName);
    Path dir = restoreRoot.resolve(restoreId);
    Files.writeString(dir.resolve("db-runbooks-restore.json"), JSON.writeValueAsString(Map.of("restoreId", restoreId,
        "target", TARGET, "port", c.port(), "clusterName", clusterName, "createdAt", Instant.now().toString())));
    return new RestoreEnvironment(restoreId, dir.toString(), c.dataDirectory().toString(), c.port(), clusterName);
  }

  /** cluster_name in postgresql.auto.conf (a copy carries blue's), also on a standby, which refuses ALTER SYSTEM. */
  static void rename(LocalCluster c, String name) throws IOException {
    c.stop();
    Files.writeString(c.dataDirectory().resolve("postgresql.auto.conf"), "cluster_name = '" + name + "'\n", StandardOpenOption.APPEND);
    c.start();
  }

  List<String> teardown(String restoreId) {
    return new RestoreActivitiesImpl(config, n -> new FileBackupStore(tmp.resolve("store")), n -> null, n -> null,
        PgTools.locate(), null).teardown(new TeardownRequest(TARGET, restoreId));
  }

  static ApplicationFailure failure(Executable call) {
    ActivityFailure e = assertThrows(ActivityFailure.class, call);
    assertNotNull(e.getCause());
    return (ApplicationFailure) e.getCause();
  }

  static Backend backend(BackendRef r) {
    return new Backend(r.host(), r.port(), r.dbname());
  }

  static String systemIdentifier(LocalCluster c) throws IOException {
    return c.psql("postgres", "SELECT system_identifier FROM pg_control_system()").strip();
  }

  static Properties appProperties() {
    Properties p = new Properties();
    p.setProperty("user", APP);
    p.setProperty("password", appPassword);
    p.setProperty("prepareThreshold", "0");
    return p;
  }

  static void appSql(String url, String sql) throws SQLException {
    Properties p = appProperties();
    try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
