package io.dbrunbooks.activities.switchover;

import static io.dbrunbooks.activities.switchover.SwitchoverFailures.BLUE_CONTROL_FAILED;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.BLUE_IN_USE;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.BLUE_MISMATCH;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.BLUE_NOT_SHUT_DOWN;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.GUARDRAIL_FAILED;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.NOT_CONFIGURED;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.RESTORE_DIRECTORY;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.nonRetryable;
import static io.dbrunbooks.activities.switchover.SwitchoverFailures.retryable;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.SwitchoverConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.pgbouncer.AliasRoute;
import io.dbrunbooks.activities.pgbouncer.Backend;
import io.dbrunbooks.activities.pgbouncer.HealthReport;
import io.dbrunbooks.activities.pgbouncer.PgBouncerSwitch;
import io.dbrunbooks.activities.pgbouncer.PoolState;
import io.dbrunbooks.activities.pgbouncer.SwitchAttempt;
import io.dbrunbooks.activities.pgbouncer.SwitchLock;
import io.dbrunbooks.activities.pgbouncer.SwitchReport;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.restore.RestoreServing;
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
import io.dbrunbooks.workflows.restore.WatchHealthRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blue-green switchover of a promote restore, for self-hosted PostgreSQL behind PgBouncer on the
 * worker's host: blue is the server the target's PgBouncer alias points at, green the restored
 * cluster. The moves themselves are {@link PgBouncerSwitch}'s; this class adds the checks around
 * them and the bookkeeping that keeps a cluster in use from being removed.
 *
 * <p>Every method reads the target's {@code restore}, {@code pgbouncer} and {@code switchover}
 * settings afresh and refuses non-retryably ({@value SwitchoverFailures#NOT_CONFIGURED}) without
 * them. All are idempotent: the switch converges on a re-run, the bake resumes from its last
 * heartbeat, and stopping or removing blue that is already stopped or gone does nothing.
 */
public class SwitchoverActivitiesImpl implements SwitchoverActivities {
  private static final Logger log = LoggerFactory.getLogger(SwitchoverActivitiesImpl.class);
  private final TargetsConfig config;
  private final PgTools tools;
  private Function<String, TargetConfig> serving;

  public SwitchoverActivitiesImpl(TargetsConfig config) {
    this(config, PgTools.locate());
  }

  public SwitchoverActivitiesImpl(TargetsConfig config, PgTools tools) {
    this.config = config;
    this.tools = tools;
    this.serving = config::target;
  }

  /**
   * How the target's connection is found (default: as the targets file says). The worker passes
   * {@code Promotions.resolver}, so after a promote restore this reaches the promoted server.
   */
  public SwitchoverActivitiesImpl withServing(Function<String, TargetConfig> serving) {
    this.serving = serving;
    return this;
  }

  @Override
  public SwitchoverPolicy policy(SwitchoverPolicyRequest request) {
    TargetConfig t = configured(request.target());
    SwitchoverConfig s = t.switchover();
    PoolState state = pgbouncer(t).state();
    if ("session".equals(state.poolMode())) {
      throw nonRetryable(NOT_CONFIGURED, "PgBouncer at " + where(t.pgbouncer()) + " pools database '" + state.database()
          + "' in session mode: a switch would wait for every client to disconnect. Set pool_mode = transaction for it first");
    }
    return new SwitchoverPolicy(s.approvers(), seconds(s.approvalTimeoutMinutes() * 60), seconds(s.bakeMinutes() * 60),
        s.healthCheckIntervalSeconds(), s.healthCheckFailures(), seconds(s.keepBlueDays() * 86400), where(t.pgbouncer()),
        t.pgbouncer().database(), ref(state.running()));
  }

  /**
   * Blue is read through the target's own connection, green through the health-check role on
   * 127.0.0.1: the role PgBouncer will log in as must work on green before any client is sent there.
   * Blue's port must be the one PgBouncer uses, or the recorded blue (what stopBlue stops later) is
   * not the server the application runs on.
   */
  @Override
  public BlueGreenState guardrails(GuardrailsRequest request) {
    TargetConfig t = servedNow(request.target());
    RestoreEnvironment green = request.green();
    RestoreEnvironment provisioned = restoreEnvironment(t, request.restoreId());
    if (provisioned == null || provisioned.port() != green.port()) {
      throw guardrail("restore " + request.restoreId() + " has no directory of its own under " + t.restore().directory()
          + (provisioned == null ? " (torn down?)" : " on port " + green.port() + " (it was provisioned on " + provisioned.port() + ")"));
    }
    PoolState pool = pgbouncer(t).state();
    if (pool.paused()) {
      throw guardrail("PgBouncer at " + where(t.pgbouncer()) + " holds database '" + pool.database() + "' paused (a switch that"
          + " died, or someone on its console): find out why, RESUME " + pool.database() + ", then approve again");
    }
    if (!pool.running().equals(pool.configured())) {
      throw guardrail("PgBouncer sends database '" + pool.database() + "' to " + pool.running() + " but "
          + t.pgbouncer().databasesFile() + " says " + pool.configured() + ": someone changed the file without a RELOAD");
    }
    if ("session".equals(pool.poolMode())) {
      throw guardrail("database '" + pool.database() + "' uses pool_mode session; the switch needs transaction pooling");
    }
    ServerFacts blue = blueFacts(t);
    if (blue.inRecovery()) {
      // A standby shares its primary's system identifier: recorded as blue, it would pass every later identity check.
      throw guardrail("the target's connection (" + t.connection().host() + ":" + t.connection().port() + ") reaches a server"
          + " in recovery on port " + blue.port() + " (a standby): blue must be the primary PgBouncer sends database '"
          + pool.database() + "' to. Point the targets file's connection at it");
    }
    if (pool.running().port() != blue.port()) {
      throw guardrail("PgBouncer sends database '" + pool.database() + "' to " + pool.running() + ", but the target's connection ("
          + t.connection().host() + ":" + t.connection().port() + ") reaches the server on port " + blue.port()
          + ": blue would be recorded wrongly. Make the targets file and PgBouncer name the same server");
    }
    ServerFacts g = greenFacts(t, green, pool.running().dbname(), found -> {
      if (!found.systemIdentifier().equals(blue.systemIdentifier())) {
        throw guardrail("green on 127.0.0.1:" + green.port() + " is another cluster (system identifier " + found.systemIdentifier()
            + ") than blue (" + blue.systemIdentifier() + "): it is not a restore of this target");
      }
      if (found.inRecovery()) {
        throw guardrail("green on 127.0.0.1:" + green.port() + " is still in recovery: it would refuse writes");
      }
      if (!green.clusterName().equals(found.clusterName())) {
        throw guardrail("the server on 127.0.0.1:" + green.port() + " calls itself '" + found.clusterName() + "', not '"
            + green.clusterName() + "': another server took the restore's port");
      }
    });
    List<AliasRoute> others = routesOnPort(t, blue.port()).stream().filter(r -> !r.alias().equals(pool.database())).toList();
    if (!others.isEmpty()) {
      log.warn("target '{}': other PgBouncer aliases use blue (port {}) too and stay on it after the switch: {};"
          + " stopping blue will be refused until they move", t.name(), blue.port(), others);
    }
    BackendRef greenRef = new BackendRef(t.switchover().greenHost(), green.port(), pool.running().dbname());
    BlueServer blueServer = new BlueServer(blue.dataDirectory(), blue.systemIdentifier(), blue.timeline(), blue.lsn(),
        blue.clusterName(), blue.port(), blue.version());
    return new BlueGreenState(where(t.pgbouncer()), pool.database(), ref(pool.running()), greenRef, pool.poolMode(),
        pool.clientsActive(), pool.clientsWaiting(), blueServer, g.clusterName(), g.lsn(),
        t.connection().host() + ":" + t.connection().port());
  }

  /**
   * The SERVING marker goes down before PgBouncer may send anyone to green and comes off only after
   * PgBouncer sends everyone elsewhere, so no teardown can remove a cluster in use in between. A
   * switch to green that failed and left PgBouncer on blue (PgBouncerSwitch undoes itself) takes
   * the marker off again.
   *
   * <p>An attempt Temporal gave up on keeps running here while its retry runs (on this worker or
   * another one on PgBouncer's host): the databases file's switch lock, waited for with heartbeats,
   * keeps the two apart, marker bookkeeping included, and the heartbeat is asked before each step
   * of the switch, so an attempt that learns it was cancelled or timed out undoes its switch and
   * stops (see {@link PgBouncerSwitch}).
   */
  @Override
  public SwitchOutcome switchTraffic(SwitchTrafficRequest request) {
    TargetConfig t = configured(request.target());
    Backend to = backend(request.to());
    PgBouncerSwitch pgbSwitch = pgbouncer(t);
    try (Heartbeater heartbeat = new Heartbeater(Activity.getExecutionContext(), () -> null);
        SwitchLock held = pgbSwitch.lock(heartbeat::beat)) {
      SwitchAttempt attempt = heartbeat::beat;
      attempt.checkCurrent();
      SwitchReport report;
      if (request.toGreen()) {
        RestoreEnvironment env = restoreEnvironment(t, request.restoreId());
        if (env == null || env.port() != to.port()) {
          throw guardrail("restore " + request.restoreId() + (env == null ? " has no directory any more (torn down?)"
              : " listens on port " + env.port() + ", not on " + to) + ": traffic was not moved");
        }
        restoreDirectory(() -> RestoreServing.mark(t, request.restoreId(), request.to()));
        try {
          report = pgbSwitch.switchTo(to, attempt);
        } catch (RuntimeException e) {
          unmarkIfNotOn(t, request.restoreId(), pgbSwitch, to);
          throw e;
        }
      } else {
        report = pgbSwitch.switchTo(to, attempt);
        restoreDirectory(() -> RestoreServing.clear(t, request.restoreId()));
      }
      return new SwitchOutcome(report.database(), ref(report.from()), ref(report.to()), report.changed(), report.pausedMillis(),
          report.steps().stream().map(s -> s.name() + " " + s.millis() + " ms: " + s.detail()).toList());
    }
  }

  private void unmarkIfNotOn(TargetConfig t, String restoreId, PgBouncerSwitch pgbSwitch, Backend green) {
    try {
      PoolState after = pgbSwitch.state();
      if (!after.running().equals(green) && !after.configured().equals(green)) {
        RestoreServing.clear(t, restoreId);
      }
    } catch (RuntimeException | IOException unknown) {
      // Where PgBouncer points is unknown: keeping the marker only blocks a teardown, which is the safe side.
    }
  }

  @Override
  public HealthOutcome checkHealth(HealthRequest request) {
    TargetConfig t = configured(request.target());
    return check(pgbouncer(t), request.expected(), request.expectedClusterName());
  }

  /**
   * Checks from the last heartbeat's counts on, so a retry after a worker crash neither forgets the
   * failures in a row so far nor restarts the bake. Heartbeats are how a rollback signal's
   * cancellation reaches this loop; it is not caught here.
   */
  @Override
  public BakeReport watchHealth(WatchHealthRequest request) {
    TargetConfig t = configured(request.target());
    PgBouncerSwitch pgbSwitch = pgbouncer(t);
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    long intervalMillis = TimeUnit.SECONDS.toMillis(Math.max(1, request.intervalSeconds()));
    int maxFailures = Math.max(1, request.maxConsecutiveFailures());
    AtomicReference<BakeReport> sofar = new AtomicReference<>(
        ctx.getHeartbeatDetails(BakeReport.class).orElse(new BakeReport(false, 0, 0, 0, null)));
    try (Heartbeater heartbeat = new Heartbeater(ctx, sofar::get)) {
      while (System.currentTimeMillis() < request.untilEpochMillis()) {
        long started = System.currentTimeMillis();
        HealthOutcome h = check(pgbSwitch, request.expected(), request.expectedClusterName());
        BakeReport b = sofar.get();
        BakeReport now = h.ok()
            ? new BakeReport(false, b.checks() + 1, b.failures(), 0, b.lastFailure())
            : new BakeReport(false, b.checks() + 1, b.failures() + 1, b.consecutiveFailures() + 1, h);
        sofar.set(now);
        heartbeat.beat();
        if (now.consecutiveFailures() >= maxFailures) {
          return now;
        }
        sleepUntil(Math.min(request.untilEpochMillis(), started + intervalMillis), heartbeat);
      }
      BakeReport b = sofar.get();
      return new BakeReport(true, b.checks(), b.failures(), b.consecutiveFailures(), b.lastFailure());
    }
  }

  /**
   * Refuses while PgBouncer still sends any alias to blue (running or in its databases file, the
   * switched alias or another one): stopping blue then is an outage, whatever the workflow
   * believes. Clients connected to blue directly are not a reason to refuse (monitoring agents
   * are), but they are logged. A running blue must be a primary ("in production") whose
   * postmaster.pid names the recorded port.
   */
  @Override
  public BlueStopped stopBlue(BlueRequest request) {
    TargetConfig t = configured(request.target());
    BlueServer blue = request.blue();
    BlueDataDirectory dir = blueDirectory(blue);
    if (!dir.exists() || !dir.hasPgVersion()) {
      throw nonRetryable(BLUE_MISMATCH, "blue's data directory " + dir.path() + " is gone or holds no cluster (no PG_VERSION):"
          + " nothing was stopped; find out who moved or removed it");
    }
    BlueDataDirectory.Control control = checkIdentity(dir, blue);
    List<AliasRoute> onBlue = routesOnPort(t, blue.port());
    String direct = directSessions(t, blue);
    if (!onBlue.isEmpty()) {
      throw nonRetryable(BLUE_IN_USE, "PgBouncer at " + where(t.pgbouncer()) + " still sends "
          + onBlue.stream().map(AliasRoute::toString).collect(Collectors.joining(", ")) + " to blue's port " + blue.port()
          + ": blue was not stopped; move those aliases off it first" + (direct == null ? "" : ". " + direct));
    }
    // A shutdown checkpoint of a large cluster takes a while: heartbeats say the worker is still on it.
    try (Heartbeater ignored = new Heartbeater(Activity.getExecutionContext(), () -> null)) {
      boolean wasRunning = dir.running();
      if (wasRunning) {
        if (!"in production".equals(control.state())) {
          throw nonRetryable(BLUE_MISMATCH, "blue at " + dir.path() + " runs, but its pg_control says '" + control.state()
              + "', not 'in production': a standby (it shares the primary's system identifier) or a cluster in recovery,"
              + " not the primary recorded as blue; not stopped");
        }
        Integer port = dir.postmasterPort();
        if (port == null || port != blue.port()) {
          throw nonRetryable(BLUE_MISMATCH, "the postmaster running on " + dir.path() + " listens on port " + port
              + " (postmaster.pid), not on blue's recorded port " + blue.port() + ": not the server recorded as blue; not stopped");
        }
        dir.stop();
      }
      return new BlueStopped(blue.dataDirectory(), wasRunning, dir.control().checkpointLsn());
    } catch (IOException e) {
      throw retryable(BLUE_CONTROL_FAILED, "stopping blue at " + dir.path() + " failed: " + e.getMessage());
    }
  }

  @Override
  public List<String> removeBlue(BlueRequest request) {
    configured(request.target());
    BlueServer blue = request.blue();
    BlueDataDirectory dir = blueDirectory(blue);
    try {
      if (!dir.exists()) {
        return List.of();
      }
      if (dir.removalStartedFor(blue.systemIdentifier())) {
        return remove(dir, blue);
      }
      if (!dir.hasPgVersion()) {
        throw nonRetryable(BLUE_MISMATCH, dir.path() + " holds no PG_VERSION: it is not blue's data directory (any more);"
            + " left alone");
      }
      BlueDataDirectory.Control control = checkIdentity(dir, blue);
      if (dir.running()) {
        throw nonRetryable(BLUE_IN_USE, "blue at " + dir.path() + " is running: stop it first (StopBlue); nothing was removed");
      }
      if (!"shut down".equals(control.state())) {
        throw nonRetryable(BLUE_NOT_SHUT_DOWN, "blue at " + dir.path() + " is not running, but its pg_control says '"
            + control.state() + "', not 'shut down' (it crashed, was killed, or is a standby's copy): nothing was removed;"
            + " start it and stop it cleanly (StopBlue), or remove it by hand");
      }
      return remove(dir, blue);
    } catch (IOException e) {
      throw retryable(BLUE_CONTROL_FAILED, "removing blue at " + dir.path() + " failed: " + e.getMessage());
    }
  }

  /**
   * Deleting a multi-terabyte directory takes a while: heartbeats say the worker is still on it,
   * and a cancellation (or a timeout) stops it between two files, the removal marker left in place
   * for the retry, and is thrown.
   */
  private static List<String> remove(BlueDataDirectory dir, BlueServer blue) throws IOException {
    try (Heartbeater heartbeat = new Heartbeater(Activity.getExecutionContext(), () -> null)) {
      return dir.remove(blue.systemIdentifier(), heartbeat::checkCancelled);
    }
  }

  // ---------------------------------------------------------------- checks

  /**
   * Every alias PgBouncer runs with or its databases file names (the switched one and any other)
   * that reaches a server on this host's {@code port}: blue lives on this host, so a host that is
   * one of this host's addresses, a Unix socket, or a name that does not resolve counts.
   */
  private static List<AliasRoute> routesOnPort(TargetConfig t, int port) {
    return pgbouncer(t).routes().stream().filter(r -> r.port() == port && thisHost(r.host())).toList();
  }

  private static boolean thisHost(String host) {
    if (host == null || host.isEmpty() || host.startsWith("/")) {
      return true;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null) {
          return true;
        }
      }
      return false;
    } catch (IOException unresolvable) {
      return true; // cannot tell: the safe side is to keep blue running
    }
  }

  /**
   * Client sessions connected to blue other than ours (walsenders, such as the WAL archiver's
   * replication connection, are no client backends), grouped by user, application and address,
   * logged at WARN: one line, or null when there are none or blue cannot be asked (it is stopped,
   * or the target's connection reaches another server now).
   */
  private static String directSessions(TargetConfig t, BlueServer blue) {
    try (Connection c = PostgresBackupActivities.connect(t)) {
      ServerFacts facts = ServerFacts.read(c, false);
      if (facts.port() != blue.port() || !facts.systemIdentifier().equals(blue.systemIdentifier()) || facts.inRecovery()) {
        return null;
      }
      List<String> groups = new java.util.ArrayList<>();
      long total = 0;
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT usename, application_name,"
          + " host(client_addr), count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
          + " AND pid <> pg_backend_pid() GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3")) {
        while (r.next()) {
          total += r.getLong(4);
          String app = r.getString(2) == null || r.getString(2).isEmpty() ? "" : " (" + r.getString(2) + ")";
          groups.add(r.getLong(4) + " x " + (r.getString(1) == null ? "?" : r.getString(1)) + app + " from "
              + (r.getString(3) == null ? "a Unix socket" : r.getString(3)));
        }
      }
      if (total == 0) {
        return null;
      }
      String summary = total + " client session(s) connected to blue directly: " + String.join("; ", groups);
      log.warn("target '{}': {} (port {}); they lose their connection when blue stops", t.name(), summary, blue.port());
      return summary;
    } catch (SQLException | RuntimeException e) {
      log.info("target '{}': could not list the sessions on blue (port {}): {}", t.name(), blue.port(), e.getMessage());
      return null;
    }
  }

  private HealthOutcome check(PgBouncerSwitch pgbSwitch, BackendRef expected, String expectedClusterName) {
    String at = Instant.now().toString();
    long start = System.nanoTime();
    try {
      HealthReport h = pgbSwitch.healthCheck();
      String problem = null;
      if (h.serverPort() != expected.port()) {
        problem = "answered by the server on port " + h.serverPort() + " ('" + h.clusterName() + "'), not by " + expected;
      } else if (expectedClusterName != null && !expectedClusterName.equals(h.clusterName())) {
        problem = "answered by '" + h.clusterName() + "', not '" + expectedClusterName + "'";
      } else if (h.inRecovery()) {
        problem = "the server on port " + h.serverPort() + " is in recovery: it refuses writes";
      }
      return new HealthOutcome(problem == null, problem, h.serverAddress(), h.serverPort(), h.clusterName(), h.inRecovery(),
          h.queryResult(), h.millis(), at);
    } catch (ApplicationFailure f) {
      return new HealthOutcome(false, f.getOriginalMessage(), null, 0, null, false, null,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), at);
    }
  }

  private ServerFacts blueFacts(TargetConfig t) {
    try (Connection c = PostgresBackupActivities.connect(t)) {
      return ServerFacts.read(c, true);
    } catch (SQLException e) {
      throw guardrail("blue (the target's connection, user '" + t.connection().user() + "' at " + t.connection().host() + ":"
          + t.connection().port() + ") could not be recorded" + ("42501".equals(e.getSQLState())
              ? ": reading data_directory needs pg_read_all_settings; GRANT pg_read_all_settings TO " + t.connection().user()
              : " (SQLSTATE " + e.getSQLState() + "): " + e.getMessage()));
    }
  }

  /**
   * Green's facts as PgBouncer will reach it: the health-check role over TCP, into the database the
   * alias names. {@code checks} judge the facts before the health query runs, so a wrong cluster is
   * reported as such rather than as a missing table.
   */
  private ServerFacts greenFacts(TargetConfig t, RestoreEnvironment green, String dbname,
      java.util.function.Consumer<ServerFacts> checks) {
    PgBouncerConfig.HealthCheck hc = t.pgbouncer().healthCheck();
    Properties p = new Properties();
    p.setProperty("user", hc.user());
    String password = secret(t, hc);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "60");
    p.setProperty("ApplicationName", "db-runbooks-guardrails");
    String where = "127.0.0.1:" + green.port() + "/" + dbname;
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + where, p)) {
      ServerFacts facts = ServerFacts.read(c, false);
      checks.accept(facts);
      if (hc.query() != null && !hc.query().isBlank()) {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(hc.query())) {
          r.next();
        }
      }
      return facts;
    } catch (SQLException e) {
      throw guardrail("the health-check role '" + hc.user() + "' cannot use green at " + where + " as PgBouncer would (SQLSTATE "
          + e.getSQLState() + "): " + e.getMessage());
    }
  }

  private BlueDataDirectory.Control checkIdentity(BlueDataDirectory dir, BlueServer blue) {
    BlueDataDirectory.Control control;
    try {
      control = dir.control();
    } catch (IOException e) {
      throw retryable(BLUE_CONTROL_FAILED, "cannot read blue's pg_control at " + dir.path() + ": " + e.getMessage());
    }
    String found = control.systemIdentifier();
    if (!found.equals(blue.systemIdentifier())) {
      throw nonRetryable(BLUE_MISMATCH, dir.path() + " now holds the cluster with system identifier " + found + ", not blue ("
          + blue.systemIdentifier() + ") as recorded before the switch: left alone");
    }
    return control;
  }

  // ---------------------------------------------------------------- plumbing

  /** The target with everything a switchover needs; the loader guarantees restore and a health check come with switchover. */
  private TargetConfig configured(String name) {
    TargetConfig t;
    try {
      t = config.target(name);
    } catch (UnknownTargetException e) {
      throw nonRetryable(SwitchoverFailures.UNKNOWN_TARGET, e.getMessage());
    }
    String missing = t.switchover() == null ? "switchover" : t.pgbouncer() == null ? "pgbouncer" : t.restore() == null ? "restore"
        : t.pgbouncer().healthCheck() == null ? "pgbouncer.healthCheck" : null;
    if (missing != null) {
      throw nonRetryable(NOT_CONFIGURED, "target '" + name + "' has no " + missing + ": settings in the targets file "
          + config.source() + "; a promote restore needs restore:, pgbouncer: (with healthCheck:) and switchover: blocks"
          + " (see docs/configuration.md), or restore in mode isolated");
    }
    return t;
  }

  /**
   * As {@link #configured}, with the connection of the server that serves the target now: after
   * an earlier promotion, blue is that promotion's green (see {@link Promotions}).
   */
  private TargetConfig servedNow(String name) {
    configured(name);
    try {
      return serving.apply(name);
    } catch (Promotions.Unresolved e) {
      throw e.permanent() ? nonRetryable(NOT_CONFIGURED, e.getMessage()) : retryable(SwitchoverFailures.EVIDENCE_UNREADABLE,
          e.getMessage());
    }
  }

  private static PgBouncerSwitch pgbouncer(TargetConfig t) {
    return new PgBouncerSwitch(t.pgbouncer());
  }

  private BlueDataDirectory blueDirectory(BlueServer blue) {
    if (blue == null || blue.dataDirectory() == null || !Path.of(blue.dataDirectory()).isAbsolute() || blue.systemIdentifier() == null) {
      throw nonRetryable(BLUE_MISMATCH, "blue was not recorded with an absolute data directory and a system identifier: " + blue);
    }
    return new BlueDataDirectory(tools, Path.of(blue.dataDirectory()));
  }

  private static RestoreEnvironment restoreEnvironment(TargetConfig t, String restoreId) {
    try {
      return RestoreServing.environment(t, restoreId);
    } catch (IOException e) {
      throw retryable(RESTORE_DIRECTORY, "cannot read restore " + restoreId + " under " + t.restore().directory() + ": " + e);
    }
  }

  private interface DirectoryStep {
    void run() throws IOException;
  }

  private static void restoreDirectory(DirectoryStep step) {
    try {
      step.run();
    } catch (IOException e) {
      throw retryable(RESTORE_DIRECTORY, "cannot mark or unmark the restore as serving traffic: " + e);
    }
  }

  private static String secret(TargetConfig t, PgBouncerConfig.HealthCheck hc) {
    try {
      return hc.password() == null ? null : hc.password().resolve();
    } catch (IOException e) {
      throw nonRetryable(GUARDRAIL_FAILED, "target '" + t.name() + "': cannot read the health-check password from " + hc.password()
          + ": " + e.getMessage());
    }
  }

  private static Backend backend(BackendRef ref) {
    try {
      return new Backend(ref.host(), ref.port(), ref.dbname());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw nonRetryable(GUARDRAIL_FAILED, "not a backend to switch to: " + ref);
    }
  }

  private static BackendRef ref(Backend b) {
    return new BackendRef(b.host(), b.port(), b.dbname());
  }

  private static ApplicationFailure guardrail(String message) {
    return nonRetryable(GUARDRAIL_FAILED, message);
  }

  private static String where(PgBouncerConfig p) {
    return p.host() + ":" + p.port();
  }

  private static long seconds(double seconds) {
    return Math.round(seconds);
  }

  private static void sleepUntil(long epochMillis, Heartbeater heartbeat) {
    long left;
    while ((left = epochMillis - System.currentTimeMillis()) > 0) {
      heartbeat.checkCancelled();
      try {
        Thread.sleep(Math.min(left, 500));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw retryable(SwitchoverFailures.INTERRUPTED, "interrupted while watching health (worker shutting down?)");
      }
    }
    heartbeat.checkCancelled();
  }
}
