package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.pgbouncer.DatabasesFile.DatabasesFileException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Moves one PgBouncer alias from one backend to another without disconnecting its clients:
 * {@code PAUSE} (transactions in flight finish, new ones queue inside PgBouncer), rewrite the
 * alias's line in the {@code %include}d databases file, {@code RELOAD}, {@code RESUME}, then check
 * with {@code SHOW DATABASES} that PgBouncer points where it should. The queued transactions run
 * on the new backend.
 *
 * <p>PgBouncer is never left paused by a failure this class sees: a PAUSE that does not finish
 * within the pause timeout, or any later step failing, puts the alias's line back to the backend
 * it ran on, reloads if needed and resumes before the failure is thrown. A crash of the caller
 * itself can leave the alias paused; running the same switch again converges (PAUSE of a paused
 * database waits for its servers as the first one would, an already rewritten line is left alone,
 * RESUME of a running database is fine), and so does {@link #resume()}.
 *
 * <p>Requires {@code pool_mode = transaction} (or statement) for the alias: under session pooling
 * PAUSE waits for clients to disconnect.
 */
public final class PgBouncerSwitch {
  /** Admin commands other than PAUSE answer at once; a console that stops answering is treated as unreachable. */
  private static final int ADMIN_SOCKET_TIMEOUT_SECONDS = 30;
  /** At or below this server_login_retry a refused login after a switch costs little: no guard (see {@link #reload}). */
  private static final double MAX_HARMLESS_LOGIN_RETRY_SECONDS = 0.1;
  private static final long SETTLE_MILLIS = 2000;

  private final PgBouncerConfig cfg;
  private final DatabasesFile file;
  private final String alias;
  private final long pauseTimeoutMillis;

  public PgBouncerSwitch(PgBouncerConfig cfg) {
    this.cfg = cfg;
    this.file = new DatabasesFile(Path.of(cfg.databasesFile()));
    this.alias = cfg.database();
    this.pauseTimeoutMillis = Math.max(1, Math.round(cfg.pauseTimeoutSeconds() * 1000));
  }

  /** Where the alias points, whether it is paused, who is connected: blue's state before a switch. */
  public PoolState state() {
    try (PgBouncerAdmin admin = admin(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      return state(admin);
    }
  }

  /**
   * Points the alias at {@code to}; returns at once, changing nothing (but see {@link #settle}),
   * when it already points there and is not paused.
   *
   * @throws ApplicationFailure {@link PgBouncerFailures#PAUSE_TIMED_OUT} (resumed on the old
   *     backend), {@link PgBouncerFailures#MISCONFIGURED}, {@link PgBouncerFailures#UNREACHABLE},
   *     {@link PgBouncerFailures#RESUME_FAILED} (may still be paused: retry), ...
   */
  public SwitchReport switchTo(Backend to) {
    try (PgBouncerAdmin admin = admin(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      PoolState before = state(admin);
      if (!before.paused() && before.running().equals(to) && before.configured().equals(to)) {
        // A run that died between RESUME and settle's RELOAD left server_login_retry at 0: give it back.
        List<SwitchStep> steps = before.serverLoginRetrySeconds() == 0 ? List.of(settle(admin, "configured")) : List.of();
        return new SwitchReport(alias, before.running(), to, false, steps, 0);
      }
      if ("session".equals(before.poolMode())) {
        throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "database '" + alias + "' uses pool_mode"
            + " session: PAUSE would wait for every client to disconnect. Switch it to pool_mode = transaction first");
      }
      List<SwitchStep> steps = new ArrayList<>();
      // Logged in before the clock starts: the login is not part of the pause clients see.
      PgBouncerAdmin pauser = admin(0);
      long pausedAt = System.nanoTime();
      long pausedMillis = 0;
      boolean mayHaveReloaded = false;
      try {
        steps.add(pause(pauser, admin, before));
        steps.add(repoint(to));
        mayHaveReloaded = true;
        // RESUME follows RELOAD at once, and the checks come after: see reload() and verify().
        steps.add(reload(admin, before.serverLoginRetrySeconds() > MAX_HARMLESS_LOGIN_RETRY_SECONDS));
        steps.add(resume(admin));
        pausedMillis = millisSince(pausedAt);
        steps.add(verify(admin, to));
      } catch (RuntimeException e) {
        throw undo(admin, before.running(), mayHaveReloaded, e);
      }
      if (before.serverLoginRetrySeconds() > MAX_HARMLESS_LOGIN_RETRY_SECONDS) {
        steps.add(settle(admin, String.valueOf(before.serverLoginRetrySeconds())));
      }
      return new SwitchReport(alias, before.running(), to, true, List.copyOf(steps), pausedMillis);
    }
  }

  /** Resumes the alias when it is paused (compensation after a crash); true if it was. */
  public boolean resume() {
    try (PgBouncerAdmin admin = admin(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      return !resume(admin).detail().equals("was not paused");
    }
  }

  /**
   * Connects through PgBouncer as the application would, runs {@code SELECT 1} plus which server
   * answered, and the configured health query.
   */
  public HealthReport healthCheck() {
    PgBouncerConfig.HealthCheck hc = cfg.healthCheck();
    if (hc == null) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED,
          "no pgbouncer.healthCheck (user, password) is configured for database '" + alias + "'");
    }
    Properties p = PgBouncerAdmin.properties(cfg, hc.user(), secret(hc.password(), "health check password"), 30,
        "db-runbooks-health");
    // Transaction pooling hands each transaction to any server connection: no named prepared statements.
    p.setProperty("prepareThreshold", "0");
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(PgBouncerAdmin.jdbcUrl(cfg, alias), p); Statement s = c.createStatement()) {
      String addr;
      int port;
      String cluster;
      boolean recovery;
      try (ResultSet r = s.executeQuery("SELECT 1, coalesce(host(inet_server_addr()), ''), inet_server_port(),"
          + " current_setting('cluster_name'), pg_is_in_recovery()")) {
        r.next();
        addr = r.getString(2);
        port = r.getInt(3);
        cluster = r.getString(4);
        recovery = r.getBoolean(5);
      }
      String result = null;
      if (hc.query() != null && !hc.query().isBlank()) {
        try (ResultSet r = s.executeQuery(hc.query())) {
          result = r.next() ? r.getString(1) : null;
        }
      }
      return new HealthReport(addr, port, cluster, recovery, result, millisSince(start));
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.HEALTH_CHECK_FAILED, "health check of database '" + alias
          + "' through PgBouncer at " + cfg.host() + ":" + cfg.port() + " as '" + hc.user() + "' failed"
          + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")") + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- steps

  /** PAUSE on its own session, so the control session can still RESUME when the wait runs out. */
  private SwitchStep pause(PgBouncerAdmin pauser, PgBouncerAdmin control, PoolState before) {
    long start = System.nanoTime();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        pauser.command("PAUSE " + quotedAlias());
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    }, "pgbouncer-pause-" + alias);
    t.setDaemon(true);
    t.start();
    try {
      done.get(pauseTimeoutMillis, TimeUnit.MILLISECONDS);
      return new SwitchStep("pause", millisSince(start), "PAUSE " + alias + ": released " + (before.serversActive()
          + before.serversIdle()) + " server connection(s) to " + before.running());
    } catch (TimeoutException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.PAUSE_TIMED_OUT, "PAUSE of database '" + alias
          + "' did not finish within " + cfg.pauseTimeoutSeconds() + " s: " + openTransactions(control)
          + ". Let those transactions end (or end them) and switch again, or raise pgbouncer.pauseTimeoutSeconds");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, "PAUSE of database '" + alias + "' failed: "
          + (c instanceof SQLException ? c.getMessage() : String.valueOf(c)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgBouncerFailures.retryable(PgBouncerFailures.ERROR, "interrupted while PAUSE of database '" + alias + "' waited");
    } finally {
      if (done.isDone()) {
        pauser.close();
      } else {
        pauser.abort();
      }
    }
  }

  private SwitchStep repoint(Backend to) {
    long start = System.nanoTime();
    try {
      boolean changed = file.repoint(alias, to);
      return new SwitchStep("repoint", millisSince(start), changed
          ? file.path() + ": " + alias + " -> " + to
          : file.path() + " already points " + alias + " at " + to);
    } catch (DatabasesFileException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, e.getMessage());
    } catch (IOException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.SWITCH_FAILED, "cannot rewrite " + file.path() + ": " + e);
    }
  }

  /**
   * RELOAD; with {@code guardLogins}, then {@code SET server_login_retry = 0} until {@link #settle}.
   *
   * <p>Why: when a client finishes logging in right after the RELOAD has repointed the paused alias
   * (its pool has lost the server's parameters), PgBouncer 1.18 opens a server connection for it
   * although the alias is paused, and closes it again for the pause. It counts that as a failed
   * server login: after RESUME it would wait {@code server_login_retry} (15 s by default) before
   * connecting to the new backend, holding every client of the alias, and refuse new logins
   * meanwhile. With the retry at 0 it connects at once; the next RELOAD restores the configured value.
   */
  private SwitchStep reload(PgBouncerAdmin admin, boolean guardLogins) {
    long start = System.nanoTime();
    command(admin, "RELOAD");
    String detail = "RELOAD";
    if (guardLogins) {
      try {
        admin.command("SET server_login_retry = 0");
        detail += "; SET server_login_retry = 0";
      } catch (SQLException e) {
        // Only a guard: the switch itself is as good without it.
        detail += "; SET server_login_retry = 0 refused: " + e.getMessage();
      }
    }
    return new SwitchStep("reload", millisSince(start), detail);
  }

  /**
   * Waits (up to {@link #SETTLE_MILLIS}) until the alias has a working server connection again,
   * opening one through PgBouncer with the health check when no client asks, then RELOADs to give
   * server_login_retry back its configured value. Not part of the pause: traffic flows already.
   */
  private SwitchStep settle(PgBouncerAdmin admin, String configuredRetrySeconds) {
    long start = System.nanoTime();
    String found;
    try {
      found = awaitServerConnection(admin);
    } catch (RuntimeException e) {
      found = "could not watch for a server connection (" + message(e) + ")";
    }
    String restored;
    try {
      command(admin, "RELOAD");
      restored = "RELOAD restored server_login_retry = " + configuredRetrySeconds;
    } catch (RuntimeException e) {
      // The switch is done; a retry of 0 until PgBouncer's next RELOAD only makes it reconnect sooner.
      restored = "server_login_retry stays 0 until PgBouncer's next RELOAD (" + message(e) + ")";
    }
    return new SwitchStep("settle", millisSince(start), found + "; " + restored);
  }

  private String awaitServerConnection(PgBouncerAdmin admin) {
    long start = System.nanoTime();
    boolean probed = false;
    while (millisSince(start) < SETTLE_MILLIS) {
      boolean connected = rows(admin, "SERVERS").stream().anyMatch(sv -> alias.equals(sv.get("database"))
          && List.of("active", "idle", "used", "tested").contains(sv.get("state")));
      if (connected) {
        return "server connection open";
      }
      if (!probed && millisSince(start) >= 50 && cfg.healthCheck() != null) {
        probed = true;
        try {
          healthCheck();
        } catch (ApplicationFailure refused) {
          // PgBouncer may refuse this login ("server login has been failing") yet starts connecting
        }
      }
      sleepMillis(10);
    }
    return "no server connection within " + SETTLE_MILLIS + " ms";
  }

  /**
   * SHOW DATABASES after RESUME rather than between RELOAD and RESUME, to keep the window of
   * {@link #reload}'s PgBouncer quirk short. Checking late is safe: when PgBouncer did not take the
   * new line, traffic simply resumed on the old backend, and the undo puts the file back.
   */
  private SwitchStep verify(PgBouncerAdmin admin, Backend to) {
    long start = System.nanoTime();
    Backend now = running(databaseRow(admin));
    if (!now.equals(to)) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "after RELOAD PgBouncer still sends database '"
          + alias + "' to " + now + ", not " + to + ": does the pgbouncer.ini of the PgBouncer at " + cfg.host() + ":"
          + cfg.port() + " %include " + file.path() + " (after its own [databases] lines), and can PgBouncer's user read it?");
    }
    return new SwitchStep("verify", millisSince(start), "SHOW DATABASES: " + alias + " -> " + now);
  }

  private SwitchStep resume(PgBouncerAdmin admin) {
    long start = System.nanoTime();
    try {
      admin.command("RESUME " + quotedAlias());
      return new SwitchStep("resume", millisSince(start), "RESUME " + alias);
    } catch (SQLException e) {
      if (String.valueOf(e.getMessage()).contains("is not paused")) {
        return new SwitchStep("resume", millisSince(start), "was not paused");
      }
      throw PgBouncerFailures.retryable(PgBouncerFailures.RESUME_FAILED, "RESUME of database '" + alias
          + "' failed, PgBouncer may still hold it paused; retry: " + e.getMessage());
    }
  }

  /**
   * After a failed step: the alias's line back to the backend it ran on, RELOAD if the running
   * configuration may have moved, RESUME. Returns the failure to throw, saying where traffic is now.
   */
  private ApplicationFailure undo(PgBouncerAdmin admin, Backend back, boolean mayHaveReloaded, RuntimeException cause) {
    String note;
    try {
      boolean changed = file.repoint(alias, back);
      if (changed || mayHaveReloaded) {
        command(admin, "RELOAD");
      }
      resume(admin);
      note = "the switch was undone: database '" + alias + "' is resumed on " + back;
    } catch (IOException | RuntimeException undoFailed) {
      // The control session may be the thing that broke: try RESUME once more on a fresh one.
      try (PgBouncerAdmin fresh = admin(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
        resume(fresh);
        note = "undoing the switch failed (" + undoFailed.getMessage() + "), but database '" + alias
            + "' is resumed; check where " + file.path() + " points it";
      } catch (RuntimeException resumeFailed) {
        ApplicationFailure f = PgBouncerFailures.retryable(PgBouncerFailures.RESUME_FAILED, message(cause)
            + "; undoing it failed too and database '" + alias + "' may still be paused: retry, or RESUME " + alias
            + " on the admin console (" + undoFailed.getMessage() + ")");
        f.addSuppressed(cause);
        return f;
      }
    }
    boolean nonRetryable = !(cause instanceof ApplicationFailure af) || af.isNonRetryable();
    String type = cause instanceof ApplicationFailure af ? af.getType() : PgBouncerFailures.SWITCH_FAILED;
    String message = message(cause) + "; " + note;
    ApplicationFailure f = nonRetryable ? PgBouncerFailures.nonRetryable(type, message) : PgBouncerFailures.retryable(type, message);
    f.addSuppressed(cause);
    return f;
  }

  private static String message(RuntimeException e) {
    return e instanceof ApplicationFailure af ? af.getOriginalMessage() : String.valueOf(e);
  }

  // ---------------------------------------------------------------- reading the admin console

  private PoolState state(PgBouncerAdmin admin) {
    Map<String, String> db = databaseRow(admin);
    Backend configured;
    try {
      configured = file.read(alias).backend();
    } catch (IOException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, e.getMessage());
    }
    int clActive = 0;
    int clWaiting = 0;
    int svActive = 0;
    int svIdle = 0;
    for (Map<String, String> pool : rows(admin, "POOLS")) {
      if (alias.equals(pool.get("database"))) {
        clActive += num(pool, "cl_active");
        clWaiting += num(pool, "cl_waiting");
        svActive += num(pool, "sv_active");
        svIdle += num(pool, "sv_idle") + num(pool, "sv_used") + num(pool, "sv_tested") + num(pool, "sv_login");
      }
    }
    List<String> servers = List.copyOf(rows(admin, "SERVERS").stream()
        .filter(s -> alias.equals(s.get("database")))
        .map(s -> s.get("addr") + ":" + s.get("port"))
        .collect(Collectors.toCollection(TreeSet::new)));
    Map<String, String> config = rows(admin, "CONFIG").stream()
        .collect(Collectors.toMap(r -> r.get("key"), r -> String.valueOf(r.get("value")), (a, b) -> a));
    String poolMode = db.get("pool_mode") == null || db.get("pool_mode").isEmpty() ? config.get("pool_mode") : db.get("pool_mode");
    String loginRetry = config.getOrDefault("server_login_retry", "0");
    double loginRetrySeconds = loginRetry.matches("\\d+(\\.\\d+)?") ? Double.parseDouble(loginRetry) : 0;
    return new PoolState(alias, running(db), configured, "1".equals(db.get("paused")), "1".equals(db.get("disabled")),
        clActive, clWaiting, svActive, svIdle, servers, poolMode, loginRetrySeconds);
  }

  private Map<String, String> databaseRow(PgBouncerAdmin admin) {
    return rows(admin, "DATABASES").stream().filter(r -> alias.equals(r.get("name"))).findFirst()
        .orElseThrow(() -> PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "PgBouncer at " + cfg.host()
            + ":" + cfg.port() + " has no database '" + alias + "' (SHOW DATABASES): add it to " + file.path()
            + ", make pgbouncer.ini %include that file, and RELOAD"));
  }

  private Backend running(Map<String, String> db) {
    String host = db.get("host");
    if (host == null || host.isEmpty() || host.startsWith("/")) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "PgBouncer reaches database '" + alias
          + "' through a Unix socket; a switchover needs host=<address> on its line in " + file.path());
    }
    return new Backend(host, Integer.parseInt(db.get("port")), db.get("database"));
  }

  /** Who keeps PAUSE waiting: clients linked to a server connection, i.e. inside a transaction. */
  private String openTransactions(PgBouncerAdmin admin) {
    try {
      List<String> holders = admin.show("CLIENTS").stream()
          .filter(c -> alias.equals(c.get("database")) && c.get("link") != null && !c.get("link").isEmpty())
          .map(c -> c.get("user") + "@" + c.get("addr") + ":" + c.get("port")
              + (c.get("application_name") == null || c.get("application_name").isEmpty() ? "" : " (" + c.get("application_name") + ")")
              + " in a transaction since " + c.get("request_time"))
          .toList();
      if (holders.isEmpty()) {
        return "no client held a transaction open any more when the wait ran out";
      }
      return holders.size() + " transaction(s) still open through PgBouncer: "
          + String.join("; ", holders.subList(0, Math.min(5, holders.size()))) + (holders.size() > 5 ? "; ..." : "");
    } catch (SQLException e) {
      return "transactions still open (SHOW CLIENTS failed: " + e.getMessage() + ")";
    }
  }

  private List<Map<String, String>> rows(PgBouncerAdmin admin, String what) {
    try {
      return admin.show(what);
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, "SHOW " + what + " on PgBouncer at " + cfg.host()
          + ":" + cfg.port() + " failed: " + e.getMessage());
    }
  }

  private void command(PgBouncerAdmin admin, String command) {
    try {
      admin.command(command);
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, command + " on PgBouncer at " + cfg.host() + ":"
          + cfg.port() + " failed: " + e.getMessage());
    }
  }

  private static int num(Map<String, String> row, String column) {
    String v = row.get(column);
    return v == null ? 0 : Integer.parseInt(v);
  }

  // ---------------------------------------------------------------- plumbing

  private PgBouncerAdmin admin(int socketTimeoutSeconds) {
    return PgBouncerAdmin.connect(cfg, secret(cfg.admin().password(), "PgBouncer admin password"), socketTimeoutSeconds);
  }

  private static String secret(SecretRef ref, String what) {
    try {
      return ref == null ? null : ref.resolve();
    } catch (IOException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.SECRET_UNAVAILABLE, "cannot read the " + what + " from " + ref
          + ": " + e.getMessage());
    }
  }

  /** The admin console takes {@code [0-9a-z_]+} bare and anything else in double quotes. */
  private String quotedAlias() {
    return alias.matches("[0-9a-z_]+") ? alias : "\"" + alias.replace("\"", "\"\"") + "\"";
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgBouncerFailures.retryable(PgBouncerFailures.ERROR, "interrupted while waiting for PgBouncer");
    }
  }

  private static long millisSince(long nanoStart) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoStart);
  }
}
