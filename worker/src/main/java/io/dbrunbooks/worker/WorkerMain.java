package io.dbrunbooks.worker;

import io.dbrunbooks.activities.config.ConfigException;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.envconfig.ClientConfigProfile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker process.
 *
 * <pre>
 * java -Xmx1g -jar db-runbooks-worker.jar [--targets PATH] [--work-dir DIR] [--backup-concurrency N]
 *     [--restore-concurrency N] [--drain-seconds S]
 * </pre>
 *
 * <ul>
 *   <li>{@code --targets}: the targets file (else {@code RUNBOOKS_TARGETS}, else {@code ./targets.yaml}).
 *   <li>{@code --work-dir}: where the embedded Temporal server keeps its database and log (else
 *       {@code RUNBOOKS_WORK_DIR}, else {@code ~/.local/share/db-runbooks}).
 *   <li>{@code --backup-concurrency N}, {@code --restore-concurrency N}: heavy steps of each kind run
 *       at once (else {@code RUNBOOKS_BACKUP_CONCURRENCY}, {@code RUNBOOKS_RESTORE_CONCURRENCY}, else
 *       half the processors); see {@link Concurrency}.
 *   <li>{@code --drain-seconds S}: on SIGTERM, how long running calls get to end (else {@code
 *       RUNBOOKS_DRAIN_SECONDS}, else 20).
 *   <li>Temporal connection: {@code TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, TLS and API key
 *       variables or a {@code temporal.toml} profile; with no address, the embedded server.
 * </ul>
 *
 * <p>Exit codes: 0 after a clean shutdown (SIGTERM or SIGINT), 1 when the worker cannot start
 * (server unreachable, port in use, search attributes missing), 2 for a bad command line or
 * configuration file.
 */
public final class WorkerMain {
  private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

  public static final int EXIT_OK = 0;
  public static final int EXIT_CANNOT_START = 1;
  public static final int EXIT_BAD_CONFIG = 2;

  static final String DRAIN_ENV = "RUNBOOKS_DRAIN_SECONDS";
  private static final String USAGE = "usage: db-runbooks-worker [--targets PATH] [--work-dir DIR] [--backup-concurrency N] [--restore-concurrency N] [--drain-seconds S]";

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch ready = new CountDownLatch(1);
  private final boolean handleSignals;

  WorkerMain(boolean handleSignals) {
    this.handleSignals = handleSignals;
  }

  public static void main(String[] args) {
    System.exit(new WorkerMain(true).run(args, System.getenv(), System.err));
  }

  /** Runs until a stop is requested; returns the exit code. Blocks. */
  int run(String[] args, Map<String, String> env, PrintStream err) {
    Path targets = Path.of(env.getOrDefault("RUNBOOKS_TARGETS", "targets.yaml"));
    Path workDir = env.containsKey("RUNBOOKS_WORK_DIR")
        ? Path.of(env.get("RUNBOOKS_WORK_DIR"))
        : Path.of(System.getProperty("user.home"), ".local", "share", "db-runbooks");
    Concurrency concurrency;
    Duration drain;
    try {
      concurrency = Concurrency.fromEnv(Concurrency.defaults(), env);
      drain = Duration.ofSeconds(env.containsKey(DRAIN_ENV) ? drainSeconds(DRAIN_ENV, env.get(DRAIN_ENV)) : RunbookWorker.GRACE_PERIOD.toSeconds());
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return EXIT_BAD_CONFIG;
    }
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (option.equals("--backup-concurrency") || option.equals("--restore-concurrency") || option.equals("--drain-seconds")) {
        String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.length ? args[++i] : "";
        try {
          if (option.equals("--drain-seconds")) {
            drain = Duration.ofSeconds(drainSeconds(option, value));
          } else if (option.equals("--backup-concurrency")) {
            concurrency = new Concurrency(Concurrency.parse(option, value), concurrency.restores());
          } else {
            concurrency = new Concurrency(concurrency.backups(), Concurrency.parse(option, value));
          }
        } catch (IllegalArgumentException e) {
          err.println(e.getMessage());
          return EXIT_BAD_CONFIG;
        }
      } else if ((a.equals("--targets") || a.equals("--work-dir")) && i + 1 < args.length) {
        Path value = Path.of(args[++i]);
        if (a.equals("--targets")) {
          targets = value;
        } else {
          workDir = value;
        }
      } else if (a.startsWith("--targets=")) {
        targets = Path.of(a.substring("--targets=".length()));
      } else if (a.startsWith("--work-dir=")) {
        workDir = Path.of(a.substring("--work-dir=".length()));
      } else if (a.equals("--help") || a.equals("-h")) {
        err.println(USAGE);
        return EXIT_OK;
      } else {
        err.println("unknown argument: " + a + "\n" + USAGE);
        return EXIT_BAD_CONFIG;
      }
    }

    TargetsConfig config;
    try {
      config = TargetsConfigLoader.loadForWorker(targets, env);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return EXIT_BAD_CONFIG;
    }

    HeapLimit.warning(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments(),
        Runtime.getRuntime().maxMemory()).ifPresent(log::warn);

    try {
      String uiAddress = null;
      TemporalConnection connection;
      ClientConfigProfile profile = TemporalConnection.loadProfile(env);
      boolean javaTestServer = false;
      if (TemporalConnection.hasAddress(profile)) {
        connection = remember(TemporalConnection.connect(profile));
      } else {
        EmbeddedTemporal embedded = remember(EmbeddedTemporal.start(workDir));
        uiAddress = embedded.uiAddress();
        javaTestServer = embedded.kind() == EmbeddedTemporal.Kind.JAVA_TEST_SERVER;
        connection = remember(TemporalConnection.local(embedded.address()));
      }
      // A busy machine answers late: wait for a server that accepted the connection, fail at once if nothing listens.
      connection.awaitReachable(Duration.ofSeconds(60), log::warn);
      if (!javaTestServer) {
        // The Java test server cannot list search attributes; EmbeddedTemporal registered them.
        SearchAttributeCheck.verify(connection.service(), connection.namespace());
      }
      Registrations registrations = Registrations.forConfig(config);
      remember(RunbookWorker.start(connection.client(), TaskQueues.RUNBOOKS, concurrency, registrations.workflowTypes(),
          registrations.activities()).drainFor(drain));
      log.info("worker ready: task queue {} on {} namespace {}{}; heavy steps: {}; heap limit {} MiB; drains for up to {} s on SIGTERM",
          TaskQueues.RUNBOOKS, connection.address(), connection.namespace(), uiAddress == null ? "" : "; web UI " + uiAddress,
          concurrency, Runtime.getRuntime().maxMemory() >> 20, drain.toSeconds());
    } catch (StartupException e) {
      err.println("cannot start the worker: " + e.getMessage());
      closeAll();
      return EXIT_CANNOT_START;
    } catch (RuntimeException e) {
      closeAll();
      throw e;
    }

    if (handleSignals) {
      installSignalHandlers();
      // Any other way out of the JVM (SIGHUP, System.exit elsewhere) still stops the worker first.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        requestStop();
        closeAll();
      }, "runbooks-shutdown"));
    }
    ready.countDown();
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("stopping: no new tasks are taken; running activity calls get up to {} s to end", drain.toSeconds());
    closeAll();
    log.info("stopped");
    return EXIT_OK;
  }

  /** Seconds from 1 to 600, else an {@link IllegalArgumentException} naming {@code what}. */
  private static long drainSeconds(String what, String value) {
    try {
      long n = Long.parseLong(value.strip());
      if (n >= 1 && n <= 600) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + " must be a whole number of seconds from 1 to 600, got \"" + value + "\"");
  }

  /** True once the worker is polling (for tests that run the worker in a thread). */
  boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Asks {@link #run} to shut down and return; safe from any thread and more than once. */
  void requestStop() {
    stopRequested.countDown();
  }

  /**
   * SIGTERM and SIGINT release {@link #run}, which closes the worker and then the embedded server
   * and returns 0. Without {@code sun.misc.Signal} the JVM's own handling applies and the shutdown
   * hook does the same work, with the JVM's exit status.
   */
  private void installSignalHandlers() {
    try {
      for (String name : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> requestStop());
      }
    } catch (Throwable e) {
      log.debug("no signal handlers ({}); relying on the shutdown hook", e.toString());
    }
  }

  private <T extends AutoCloseable> T remember(T resource) {
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  /** Closes in reverse order of creation: worker, then client connection, then embedded server. */
  private void closeAll() {
    while (true) {
      AutoCloseable r;
      synchronized (resources) {
        r = resources.poll();
      }
      if (r == null) {
        return;
      }
      try {
        r.close();
      } catch (Exception e) {
        log.warn("while stopping {}: {}", r.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
