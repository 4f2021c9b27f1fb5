package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.pgbouncer.DatabasesFile.DatabasesFileException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 *
 * <p>Switches of one databases file never interleave: each holds the file's {@link SwitchLock}
 * from reading the alias's state to the end of its undo, so an attempt Temporal gave up on (it goes
 * on running in its worker) cannot pause, repoint or resume in the middle of its retry. Such an
 * attempt also asks its {@link SwitchAttempt} before PAUSE, the repoint, RELOAD and RESUME whether
 * it is still current, and if not undoes what it did and stops. The undo is compare-and-set: it puts
 * the alias's line back only while the file still names the backend this switch wrote.
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
    try (AliasConsole console = console(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      return console.state();
    }
  }

  /**
   * Points the alias at {@code to}; returns at once, changing nothing, when it already points there
   * and is not paused (only a {@code server_login_retry} that a dead run left at 0 is given back).
   *
   * @throws ApplicationFailure {@link PgBouncerFailures#PAUSE_TIMED_OUT} (resumed on the old
   *     backend), {@link PgBouncerFailures#MISCONFIGURED}, {@link PgBouncerFailures#UNREACHABLE},
   *     {@link PgBouncerFailures#RESUME_FAILED} (may still be paused: retry), ...
   */
  public SwitchReport switchTo(Backend to) {
    return switchTo(to, SwitchAttempt.ALWAYS_CURRENT);
  }

  /**
   * {@link #switchTo(Backend)} for an attempt that may stop being current: waits for the databases
   * file's lock (asking {@code attempt} meanwhile), and when {@code attempt} says it is no longer
   * current before PAUSE, the repoint, RELOAD or RESUME, undoes what it did and rethrows what
   * {@code attempt} threw.
   */
  public SwitchReport switchTo(Backend to, SwitchAttempt attempt) {
    try (SwitchLock held = lock(attempt)) {
      attempt.checkCurrent();
      return switchLocked(to, attempt);
    }
  }

  /**
   * Holds the databases file's switch lock (see {@link SwitchLock}) until closed; the caller's
   * bookkeeping around a switch can run under it, {@link #switchTo} takes it again inside.
   */
  public SwitchLock lock(SwitchAttempt attempt) {
    try {
      return SwitchLock.acquire(file.path(), attempt);
    } catch (java.nio.file.AccessDeniedException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "cannot create or lock "
          + SwitchLock.lockFileOf(file.path()) + " (the lock that keeps two switches of " + file.path()
          + " apart): the worker needs to write in that directory: " + e.getMessage());
    } catch (IOException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.ERROR, "cannot lock " + SwitchLock.lockFileOf(file.path()) + ": " + e);
    }
  }

  private SwitchReport switchLocked(Backend to, SwitchAttempt attempt) {
    try (AliasConsole admin = console(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      PoolState before = admin.state();
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
      AliasConsole pauser = console(0);
      long pausedAt = System.nanoTime();
      long pausedMillis = 0;
      boolean mayHaveReloaded = false;
      try {
        steps.add(pause(pauser, admin, before));
        stillCurrent(attempt);
        steps.add(repoint(to));
        stillCurrent(attempt);
        mayHaveReloaded = true;
        // RESUME follows RELOAD at once, and the checks come after: see reload() and verify().
        steps.add(reload(admin, before.serverLoginRetrySeconds() > MAX_HARMLESS_LOGIN_RETRY_SECONDS));
        stillCurrent(attempt);
        steps.add(resume(admin));
        pausedMillis = millisSince(pausedAt);
        steps.add(verify(admin, to));
      } catch (NotCurrent e) {
        ApplicationFailure undone = undo(admin, before.running(), to, mayHaveReloaded, e.reason);
        e.reason.addSuppressed(undone);
        throw e.reason;
      } catch (RuntimeException e) {
        throw undo(admin, before.running(), to, mayHaveReloaded, e);
      }
      if (before.serverLoginRetrySeconds() > MAX_HARMLESS_LOGIN_RETRY_SECONDS) {
        steps.add(settle(admin, String.valueOf(before.serverLoginRetrySeconds())));
      }
      return new SwitchReport(alias, before.running(), to, true, List.copyOf(steps), pausedMillis);
    }
  }

  /** Every alias PgBouncer runs with ({@code SHOW DATABASES}) and every alias line of the databases file. */
  public List<AliasRoute> routes() {
    try (AliasConsole console = console(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      List<AliasRoute> routes = new ArrayList<>(console.routes());
      try {
        routes.addAll(file.routes());
      } catch (IOException e) {
        throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, e.getMessage());
      }
      return List.copyOf(routes);
    }
  }

  /** Resumes the alias when it is paused (compensation after a crash); true if it was. Waits for a switch in progress. */
  public boolean resume() {
    try (SwitchLock held = lock(SwitchAttempt.ALWAYS_CURRENT); AliasConsole admin = console(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
      return !resume(admin).detail().equals("was not paused");
    }
  }

  /**
   * Connects through PgBouncer as the application would (the configured health-check role), runs
   * {@code SELECT 1} with which server answered, and the configured health query.
   */
  public HealthReport healthCheck() {
    return HealthCheck.run(cfg);
  }

  // ---------------------------------------------------------------- steps

  /** What {@link SwitchAttempt#checkCurrent} threw, carried to the undo. */
  private static final class NotCurrent extends RuntimeException {
    final RuntimeException reason;

    NotCurrent(RuntimeException reason) {
      super(reason.getMessage(), reason, false, false);
      this.reason = reason;
    }
  }

  private static void stillCurrent(SwitchAttempt attempt) {
    try {
      attempt.checkCurrent();
    } catch (RuntimeException e) {
      throw new NotCurrent(e);
    }
  }

  /** PAUSE on its own session, so the control session can still RESUME when the wait runs out. */
  private SwitchStep pause(AliasConsole pauser, AliasConsole control, PoolState before) {
    long start = System.nanoTime();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        pauser.aliasCommand("PAUSE");
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
          + "' did not finish within " + cfg.pauseTimeoutSeconds() + " s: " + control.openTransactions()
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
  private SwitchStep reload(AliasConsole admin, boolean guardLogins) {
    long start = System.nanoTime();
    admin.run("RELOAD");
    String detail = "RELOAD";
    if (guardLogins) {
      try {
        admin.set("server_login_retry", "0");
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
  private SwitchStep settle(AliasConsole admin, String configuredRetrySeconds) {
    long start = System.nanoTime();
    String found;
    try {
      found = awaitServerConnection(admin);
    } catch (RuntimeException e) {
      found = "could not watch for a server connection (" + message(e) + ")";
    }
    String restored;
    try {
      admin.run("RELOAD");
      restored = "RELOAD restored server_login_retry = " + configuredRetrySeconds;
    } catch (RuntimeException e) {
      // The switch is done; a retry of 0 until PgBouncer's next RELOAD only makes it reconnect sooner.
      restored = "server_login_retry stays 0 until PgBouncer's next RELOAD (" + message(e) + ")";
    }
    return new SwitchStep("settle", millisSince(start), found + "; " + restored);
  }

  private String awaitServerConnection(AliasConsole admin) {
    long start = System.nanoTime();
    boolean probed = false;
    while (millisSince(start) < SETTLE_MILLIS) {
      if (admin.hasServerConnection()) {
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
  private SwitchStep verify(AliasConsole admin, Backend to) {
    long start = System.nanoTime();
    Backend now = admin.running();
    if (!now.equals(to)) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "after RELOAD PgBouncer still sends database '"
          + alias + "' to " + now + ", not " + to + ": does the pgbouncer.ini of the PgBouncer at " + cfg.host() + ":"
          + cfg.port() + " %include " + file.path() + " (after its own [databases] lines), and can PgBouncer's user read it?");
    }
    return new SwitchStep("verify", millisSince(start), "SHOW DATABASES: " + alias + " -> " + now);
  }

  private SwitchStep resume(AliasConsole admin) {
    long start = System.nanoTime();
    try {
      admin.aliasCommand("RESUME");
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
   * After a failed step: the alias's line back to the backend it ran on (only while the file still
   * names {@code wrote}, the backend this switch writes: a line someone else wrote meanwhile is left
   * alone), RELOAD if the running configuration may have moved, RESUME. Returns the failure to
   * throw, saying where traffic is now.
   */
  private ApplicationFailure undo(AliasConsole admin, Backend back, Backend wrote, boolean mayHaveReloaded, RuntimeException cause) {
    String note;
    try {
      DatabasesFile.Swap swap = file.repointIf(alias, wrote, back);
      if (swap.changed() || mayHaveReloaded) {
        admin.run("RELOAD");
      }
      resume(admin);
      note = swap.changed() || swap.found().equals(back)
          ? "the switch was undone: database '" + alias + "' is resumed on " + back
          : "database '" + alias + "' is resumed, but " + file.path() + " names " + swap.found() + ", which this switch did"
              + " not write (to " + wrote + "), so it was left alone" + (mayHaveReloaded ? " and PgBouncer reloaded it" : "");
    } catch (IOException | RuntimeException undoFailed) {
      // The control session may be the thing that broke: try RESUME once more on a fresh one.
      try (AliasConsole fresh = console(ADMIN_SOCKET_TIMEOUT_SECONDS)) {
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

  // ---------------------------------------------------------------- plumbing

  private AliasConsole console(int socketTimeoutSeconds) {
    return AliasConsole.open(cfg, file, socketTimeoutSeconds);
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
