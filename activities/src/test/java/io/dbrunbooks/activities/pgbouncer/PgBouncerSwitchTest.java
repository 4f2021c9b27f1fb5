package io.dbrunbooks.activities.pgbouncer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blue and green, two real clusters with the same schema and the same application role, behind a
 * real PgBouncer; pgbench writes through PgBouncer while the alias moves between them. Every
 * transaction records the port of the server that ran it, so the rows say where traffic went.
 */
class PgBouncerSwitchTest {
  static final String DB = "appdb";
  static final String APP = "app";

  @TempDir static Path tmp;
  static LocalCluster blue;
  static LocalCluster green;
  static LocalPgBouncer pgbouncer;
  static Backend BLUE;
  static Backend GREEN;
  static String appPassword;
  static LandedLoad landed;
  static PgBouncerConfig cfg;

  PgBouncerSwitch pgbSwitch;

  @BeforeAll
  static void startBlueGreenAndPgBouncer() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    blue = named(LocalCluster.start(tmp.resolve("blue")), "blue");
    green = named(LocalCluster.start(tmp.resolve("green")), "green");
    appPassword = "app-" + Long.toHexString(System.nanoTime());
    Path appPasswordFile = tmp.resolve("app-password");
    Files.writeString(appPasswordFile, appPassword + "\n");
    blue.sql("postgres", "CREATE ROLE " + APP + " LOGIN PASSWORD '" + appPassword + "'", "CREATE DATABASE " + DB + " OWNER " + APP);
    // Green gets blue's verifier, as a restored copy of blue would: PgBouncer logs in to either with the client's SCRAM keys.
    String verifier = LocalPgBouncer.scramSecret(blue, APP);
    green.sql("postgres", "CREATE ROLE " + APP + " LOGIN PASSWORD '" + verifier + "'", "CREATE DATABASE " + DB + " OWNER " + APP);
    for (LocalCluster c : List.of(blue, green)) {
      PgTools.Result init = PgTools.locate().run("pgbench", List.of("-i", "-s", "1", "-q", "-h", "127.0.0.1",
          "-p", String.valueOf(c.port()), "-U", APP, DB), appPassword);
      assertEquals(0, init.exitCode(), init.stderr());
      appSql(c.jdbcUrl(DB), LandedLoad.TABLE);
    }
    BLUE = new Backend("127.0.0.1", blue.port(), DB);
    GREEN = new Backend("127.0.0.1", green.port(), DB);
    Map<String, Backend> databases = new LinkedHashMap<>();
    databases.put("postgres_blue", new Backend("127.0.0.1", blue.port(), "postgres"));
    databases.put(DB, BLUE);
    pgbouncer = LocalPgBouncer.start(tmp.resolve("pgbouncer"), databases, Map.of(APP, verifier));
    landed = new LandedLoad(tmp, pgbouncer, DB, APP, appPassword);
    cfg = pgbouncer.config(DB, APP, new SecretRef(null, appPasswordFile.toString()), "SELECT count(*) FROM pgbench_branches");
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {pgbouncer, green, blue}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @BeforeEach
  void onBlueWithNothingLanded() throws Exception {
    pgbSwitch = new PgBouncerSwitch(cfg);
    pgbSwitch.switchTo(BLUE);
    for (LocalCluster c : List.of(blue, green)) {
      appSql(c.jdbcUrl(DB), "TRUNCATE landed");
    }
  }

  @Test
  void switchesToGreenAndBackWhilePgbenchRunsWithoutAFailedTransaction() throws Exception {
    PoolState onBlue = pgbSwitch.state();
    assertEquals("transaction", onBlue.poolMode());
    CompletableFuture<PgTools.Result> load = landed.pgbench(8, 20);
    landed.awaitClients(blue, 0, 8);

    SwitchReport toGreen = pgbSwitch.switchTo(GREEN);
    long blueRows = landed.count(blue, "true");
    assertTrue(toGreen.changed());
    assertEquals(BLUE, toGreen.from());
    assertEquals(List.of("pause", "repoint", "reload", "resume", "verify", "settle"), toGreen.steps().stream().map(SwitchStep::name).toList());
    HealthReport onGreen = pgbSwitch.healthCheck();
    assertEquals(green.port(), onGreen.serverPort());
    assertEquals("green", onGreen.clusterName());
    assertFalse(onGreen.inRecovery());
    assertEquals("1", onGreen.queryResult());
    // Every one of the eight clients carried on, on green.
    landed.awaitClients(green, 0, 8);
    assertEquals(blueRows, landed.count(blue, "true"), "nothing may land on blue once the switch returned");

    long lastGreenId = landed.maxId(green);
    SwitchReport rollback = pgbSwitch.switchTo(BLUE);
    long greenRows = landed.count(green, "true");
    assertEquals(GREEN, rollback.from());
    assertEquals(blue.port(), pgbSwitch.healthCheck().serverPort());
    long lastBlueId = landed.maxId(blue);
    landed.awaitClients(blue, lastBlueId, 8);

    PgTools.Result bench = load.get(60, TimeUnit.SECONDS);
    assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
    assertTrue(bench.stdout().contains("number of failed transactions: 0 "), bench.stdout());
    assertFalse(bench.stderr().contains("aborted"), bench.stderr());
    assertEquals(greenRows, landed.count(green, "true"), "nothing may land on green after the rollback");
    assertTrue(lastGreenId > 0);
    assertEquals(LandedLoad.processed(bench), landed.count(blue, "true") + landed.count(green, "true"),
        "every transaction pgbench counted is on blue or on green, once");
    assertEquals(0, landed.count(blue, "port <> " + blue.port()) + landed.count(green, "port <> " + green.port()));
    // The other alias in the same file is untouched.
    assertEquals(new Backend("127.0.0.1", blue.port(), "postgres"),
        new DatabasesFile(pgbouncer.databasesFile()).read("postgres_blue").backend());
  }

  @Test
  void aPauseThatTimesOutResumesOnBlueAndClientsCarryOn() throws Exception {
    try (Connection longTransaction = appConnection(pgbouncer.jdbcUrl(DB))) {
      longTransaction.setAutoCommit(false);
      try (Statement s = longTransaction.createStatement()) {
        s.execute("INSERT INTO landed (client, port) VALUES (-1, inet_server_port())");
      }
      CompletableFuture<PgTools.Result> load = landed.pgbench(4, 20);
      landed.awaitClients(blue, 0, 4);

      PgBouncerSwitch impatient = new PgBouncerSwitch(cfg.withPauseTimeoutSeconds(2));
      ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> impatient.switchTo(GREEN));

      assertEquals(PgBouncerFailures.PAUSE_TIMED_OUT, f.getType());
      assertTrue(f.isNonRetryable());
      assertTrue(f.getOriginalMessage().contains("1 transaction(s) still open through PgBouncer: app@127.0.0.1:"), f.getOriginalMessage());
      assertTrue(f.getOriginalMessage().contains("resumed on " + BLUE), f.getOriginalMessage());
      PoolState after = pgbSwitch.state();
      assertFalse(after.paused());
      assertEquals(BLUE, after.running());
      assertEquals(BLUE, after.configured());
      long lastId = landed.maxId(blue);
      landed.awaitClients(blue, lastId, 4);

      longTransaction.commit();
      PgTools.Result bench = load.get(60, TimeUnit.SECONDS);
      assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
      assertTrue(bench.stdout().contains("number of failed transactions: 0 "), bench.stdout());
      assertEquals(1, landed.count(blue, "client = -1"));
      assertEquals(0, landed.count(green, "true"));
      assertEquals(blue.port(), pgbSwitch.healthCheck().serverPort());
    }
  }

  @ParameterizedTest(name = "reloaded before the crash: {0}")
  @ValueSource(booleans = {false, true})
  void rerunAfterACrashBetweenRepointAndResumeConvergesAndResumes(boolean reloaded) throws Exception {
    // What a switch that died after rewriting the file leaves: the alias paused, the file on green.
    try (PgBouncerAdmin admin = PgBouncerAdmin.connect(cfg, cfg.admin().password().resolve(), 30)) {
      admin.command("PAUSE " + DB);
      assertTrue(new DatabasesFile(pgbouncer.databasesFile()).repoint(DB, GREEN));
      if (reloaded) {
        admin.command("RELOAD");
      }
    }
    CompletableFuture<Integer> queued = CompletableFuture.supplyAsync(() -> {
      try (Connection c = appConnection(pgbouncer.jdbcUrl(DB)); Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT inet_server_port()")) {
        r.next();
        return r.getInt(1);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    landed.await(() -> pgbSwitch.state().clientsWaiting() >= 1, "the application's query to queue in PgBouncer");
    PoolState crashed = pgbSwitch.state();
    assertTrue(crashed.paused());
    assertEquals(GREEN, crashed.configured());
    assertEquals(reloaded ? GREEN : BLUE, crashed.running());

    SwitchReport rerun = pgbSwitch.switchTo(GREEN);

    assertTrue(rerun.changed());
    assertTrue(rerun.steps().get(1).detail().contains("already points"), rerun.steps().get(1).detail());
    assertEquals(green.port(), queued.get(30, TimeUnit.SECONDS), "the queued query ran, on green");
    PoolState converged = pgbSwitch.state();
    assertFalse(converged.paused());
    assertEquals(GREEN, converged.running());
    assertEquals(GREEN, converged.configured());
    assertEquals(15.0, converged.serverLoginRetrySeconds(), "the configured server_login_retry is back after the switch");
    SwitchStep settle = rerun.steps().get(rerun.steps().size() - 1);
    assertEquals("settle", settle.name());
    assertEquals("server connection open; RELOAD restored server_login_retry = 15.0", settle.detail());
    SwitchReport again = pgbSwitch.switchTo(GREEN);
    assertFalse(again.changed());
    assertEquals(List.of(), again.steps());

    // A run that died after RESUME but before settle left PgBouncer's login throttle off; a re-run restores it.
    try (PgBouncerAdmin admin = PgBouncerAdmin.connect(cfg, cfg.admin().password().resolve(), 30)) {
      admin.command("SET server_login_retry = 0");
    }
    assertFalse(pgbSwitch.switchTo(GREEN).changed());
    assertEquals(15.0, pgbSwitch.state().serverLoginRetrySeconds());
  }

  @Test
  void aDatabasesFilePgBouncerDoesNotReadIsPutBackAndTrafficResumesOnBlue() throws Exception {
    Path stray = tmp.resolve("stray-databases.ini");
    Files.copy(pgbouncer.databasesFile(), stray, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> new PgBouncerSwitch(cfg.withDatabasesFile(stray.toString())).switchTo(GREEN));

    assertEquals(PgBouncerFailures.MISCONFIGURED, f.getType());
    assertTrue(f.getOriginalMessage().contains("%include " + stray), f.getOriginalMessage());
    assertTrue(f.getOriginalMessage().contains("resumed on " + BLUE), f.getOriginalMessage());
    PoolState after = pgbSwitch.state();
    assertFalse(after.paused());
    assertEquals(BLUE, after.running());
    assertEquals(BLUE, new DatabasesFile(stray).read(DB).backend());
    assertEquals(blue.port(), pgbSwitch.healthCheck().serverPort());
  }

  @Test
  void badAdminPasswordOrUnknownAliasIsRefusedBeforeAnythingIsPaused() throws Exception {
    Path wrong = tmp.resolve("wrong-admin-password");
    Files.writeString(wrong, "not-the-password\n");
    PgBouncerConfig badPassword = new PgBouncerConfig(cfg.host(), cfg.port(), cfg.sslmode(),
        new PgBouncerConfig.Login(cfg.admin().user(), new SecretRef(null, wrong.toString())),
        cfg.databasesFile(), DB, 5, cfg.healthCheck());
    ApplicationFailure auth = assertThrows(ApplicationFailure.class, () -> new PgBouncerSwitch(badPassword).switchTo(GREEN));
    assertEquals(PgBouncerFailures.AUTHENTICATION_FAILED, auth.getType());
    assertTrue(auth.isNonRetryable());
    assertFalse(auth.getOriginalMessage().contains("not-the-password"));

    PgBouncerConfig unknown = new PgBouncerConfig(cfg.host(), cfg.port(), cfg.sslmode(), cfg.admin(),
        cfg.databasesFile(), "nosuchdb", 5, cfg.healthCheck());
    ApplicationFailure alias = assertThrows(ApplicationFailure.class, () -> new PgBouncerSwitch(unknown).switchTo(GREEN));
    assertEquals(PgBouncerFailures.MISCONFIGURED, alias.getType());
    assertTrue(alias.getOriginalMessage().contains("no database 'nosuchdb'"), alias.getOriginalMessage());

    assertFalse(pgbSwitch.state().paused());
    assertEquals(BLUE, pgbSwitch.state().running());
  }

  /** What an attempt Temporal gave up on learns from its next heartbeat. */
  static final class Stale extends RuntimeException {
    Stale(int check) {
      super("attempt timed out (check " + check + ")");
    }
  }

  /** An attempt that stops being current at its {@code staleAt}-th check (1: before PAUSE, 2: repoint, 3: RELOAD, 4: RESUME). */
  static SwitchAttempt staleAt(int staleAt, Runnable meanwhile) {
    java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
    return () -> {
      int n = checks.incrementAndGet();
      if (n == staleAt) {
        meanwhile.run();
        throw new Stale(n);
      }
    };
  }

  @ParameterizedTest(name = "stale at check {0}")
  @ValueSource(ints = {1, 2, 3, 4})
  void anAttemptThatIsNoLongerCurrentUndoesItsSwitchAndRethrows(int staleAt) throws Exception {
    CompletableFuture<PgTools.Result> load = landed.pgbench(4, 15);
    landed.awaitClients(blue, 0, 4);

    Stale f = assertThrows(Stale.class, () -> pgbSwitch.switchTo(GREEN, staleAt(staleAt, () -> { })));

    assertEquals("attempt timed out (check " + staleAt + ")", f.getMessage());
    if (staleAt > 1) {
      assertTrue(f.getSuppressed()[0].getMessage().contains("the switch was undone: database '" + DB + "' is resumed on " + BLUE),
          f.getSuppressed()[0].getMessage());
    }
    PoolState after = pgbSwitch.state();
    assertFalse(after.paused());
    assertEquals(BLUE, after.running());
    assertEquals(BLUE, after.configured());
    long lastId = landed.maxId(blue);
    landed.awaitClients(blue, lastId, 4);
    PgTools.Result bench = load.get(60, TimeUnit.SECONDS);
    assertEquals(0, bench.exitCode(), bench.stdout() + bench.stderr());
    assertEquals(0, landed.count(green, "true"), "nothing ran on green");
  }

  @Test
  void theUndoLeavesALineItDidNotWriteAlone() throws Exception {
    Backend other = new Backend("127.0.0.1", green.port(), "postgres");
    DatabasesFile file = new DatabasesFile(pgbouncer.databasesFile());

    // Stale before RELOAD, after this switch wrote GREEN; meanwhile someone else wrote another backend.
    Stale f = assertThrows(Stale.class, () -> pgbSwitch.switchTo(GREEN, staleAt(3, () -> {
      try {
        assertTrue(file.repoint(DB, other));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    })));

    assertTrue(f.getSuppressed()[0].getMessage().contains("names " + other + ", which this switch did not write"),
        f.getSuppressed()[0].getMessage());
    assertEquals(other, file.read(DB).backend(), "the other writer's line stays");
    PoolState after = pgbSwitch.state();
    assertFalse(after.paused());
    assertEquals(BLUE, after.running(), "not reloaded: traffic stays where it ran");
    assertEquals(blue.port(), pgbSwitch.healthCheck().serverPort());
  }

  @Test
  void aSwitchWaitsForTheLockAnotherProcessHoldsAndGivesUpWhenItsAttemptDoes() throws Exception {
    Path lockFile = Path.of(pgbouncer.databasesFile() + ".lock");
    Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys\n"
        + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()",
        lockFile.toString()).redirectErrorStream(true).start();
    try {
      assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine());

      Stale gaveUp = assertThrows(Stale.class, () -> pgbSwitch.switchTo(GREEN, staleAt(3, () -> { })));
      assertEquals("attempt timed out (check 3)", gaveUp.getMessage(), "it gave up while waiting for the lock");

      java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
      CompletableFuture<SwitchReport> waiting = CompletableFuture.supplyAsync(() -> pgbSwitch.switchTo(GREEN, polls::incrementAndGet));
      landed.await(() -> polls.get() >= 5, "the switch to wait for the lock");
      assertFalse(waiting.isDone());
      PoolState meanwhile = pgbSwitch.state();
      assertFalse(meanwhile.paused(), "nothing was paused while another process held the lock");
      assertEquals(BLUE, meanwhile.running());
      assertEquals(BLUE, meanwhile.configured());

      holder.getOutputStream().close();
      assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
      SwitchReport done = waiting.get(60, TimeUnit.SECONDS);
      assertTrue(done.changed());
      assertEquals(GREEN, pgbSwitch.state().running());
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void twoSwitchesOfOneFileInThisJvmTakeTurnsUndoIncluded() throws Exception {
    java.util.concurrent.CountDownLatch firstPaused = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch letFirstGoOn = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger firstChecks = new java.util.concurrent.atomic.AtomicInteger();
    SwitchAttempt first = () -> {
      if (firstChecks.incrementAndGet() == 2) { // before the repoint: PAUSE is done
        firstPaused.countDown();
        try {
          letFirstGoOn.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    CompletableFuture<SwitchReport> toGreen = CompletableFuture.supplyAsync(() -> pgbSwitch.switchTo(GREEN, first));
    assertTrue(firstPaused.await(30, TimeUnit.SECONDS));
    java.util.concurrent.atomic.AtomicInteger secondPolls = new java.util.concurrent.atomic.AtomicInteger();
    CompletableFuture<SwitchReport> backToBlue = CompletableFuture.supplyAsync(
        () -> new PgBouncerSwitch(cfg).switchTo(BLUE, secondPolls::incrementAndGet));
    landed.await(() -> secondPolls.get() >= 5, "the second switch to wait for the first");
    assertFalse(backToBlue.isDone(), "the second switch waits while the first holds the alias paused");
    assertTrue(pgbSwitch.state().paused());

    letFirstGoOn.countDown();
    assertEquals(GREEN, toGreen.get(60, TimeUnit.SECONDS).to());
    SwitchReport second = backToBlue.get(60, TimeUnit.SECONDS);
    assertTrue(second.changed());
    assertEquals(GREEN, second.from(), "the second switch started from where the first left the alias");
    PoolState after = pgbSwitch.state();
    assertFalse(after.paused());
    assertEquals(BLUE, after.running());
    assertEquals(BLUE, after.configured());
  }

  // ---------------------------------------------------------------- helpers

  static Connection appConnection(String url) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", APP);
    p.setProperty("password", appPassword);
    p.setProperty("prepareThreshold", "0");
    return DriverManager.getConnection(url, p);
  }

  static void appSql(String url, String sql) throws SQLException {
    try (Connection c = appConnection(url); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** cluster_name shows up in health reports, so a person reading them can tell blue from green. */
  static LocalCluster named(LocalCluster c, String name) throws Exception {
    c.sql("postgres", "ALTER SYSTEM SET cluster_name = '" + name + "'");
    c.stop();
    c.start();
    return c;
  }
}
