package io.dbrunbooks.activities.wal;

import static io.dbrunbooks.activities.postgres.PgFailures.nonRetryable;
import static io.dbrunbooks.activities.postgres.PgFailures.retryable;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.postgres.PgFailures;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.workflows.walarchive.WalArchiveActivities;
import io.dbrunbooks.workflows.walarchive.WalArchiveCheckpoint;
import io.dbrunbooks.workflows.walarchive.WalArchiveRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityWorkerShutdownException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link WalStreamer} for one bounded call: connects, streams until the call's time is up or
 * it is cancelled, uploads what it holds, returns where the archive stands. Heartbeats its position
 * every two seconds and, every 30 s by default, reports it to the workflow's
 * {@code progress} query.
 */
public class WalArchiveActivitiesImpl implements WalArchiveActivities {
  private static final Logger log = LoggerFactory.getLogger(WalArchiveActivitiesImpl.class);
  static final String SIGNAL = "reportWalProgress";
  /** Each report is a history event: often enough for people, rare enough for the history. */
  static final Duration SIGNAL_EVERY = Duration.ofSeconds(30);
  private static final long MAX_CALL_SECONDS = 3600;
  /** An archive that belongs to another cluster, or holds different bytes for a segment. */
  public static final String ARCHIVE_CONFLICT = "WalArchiveConflict";
  /** The slot is in use: another archiver, or a lost worker's connection the server has not dropped yet. */
  public static final String SLOT_BUSY = "WalSlotBusy";

  private final TargetsConfig config;
  private final Function<String, BackupStore> storeFor;
  private final Function<String, KeySource> keysFor;
  private Duration signalEvery = SIGNAL_EVERY;
  private Function<String, TargetConfig> serving;

  public WalArchiveActivitiesImpl(TargetsConfig config, Function<String, BackupStore> storeFor, Function<String, KeySource> keysFor) {
    this.config = config;
    this.serving = config::target;
    this.storeFor = storeFor;
    this.keysFor = keysFor;
  }

  /**
   * How the target's connection is found (default: as the targets file says). The worker passes
   * {@code Promotions.resolver}, so after a promote restore this reaches the promoted server.
   */
  public WalArchiveActivitiesImpl withServing(Function<String, TargetConfig> serving) {
    this.serving = serving;
    return this;
  }

  /** How often a running call reports its position to the workflow (default 30 s). Call before registering. */
  public WalArchiveActivitiesImpl withProgressEvery(Duration every) {
    this.signalEvery = every;
    return this;
  }

  @Override
  public WalArchiveCheckpoint archive(WalArchiveRequest request) {
    TargetConfig t = target(request.target());
    if (request.maxSeconds() <= 0 || request.maxSeconds() > MAX_CALL_SECONDS) {
      throw nonRetryable(PgFailures.INVALID_REQUEST, "maxSeconds must be 1-" + MAX_CALL_SECONDS + ", got " + request.maxSeconds());
    }
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    String slot = t.walArchive().slotFor(t.name());
    WalArchive archive = new WalArchive(storeFor.apply(t.name()), keys(t), t.name());
    Reporter reporter = new Reporter(ctx, System.nanoTime() + request.maxSeconds() * 1_000_000_000L, signalEvery.toNanos());
    WalStreamer.Result result;
    try {
      result = new WalStreamer(() -> connect(t), archive, slot, t.walArchive().flushInterval())
          .run(reporter::keepGoing, reporter::uploaded);
    } catch (WalArchiveException e) {
      throw nonRetryable(ARCHIVE_CONFLICT, "target '" + t.name() + "': " + e.getMessage());
    } catch (IOException e) {
      throw reporter.stoppedOr(retryable(PgFailures.STORE_ERROR, "target '" + t.name() + "': archiving WAL into "
          + archive.location() + " failed: " + e.getMessage() + "; what was confirmed is archived, the retry resumes there"));
    } catch (SQLException e) {
      throw reporter.stoppedOr(streamFailed(t, slot, e));
    }
    WalStreamer.Position p = result.position();
    if (reporter.workerStopping()) {
      // The worker is shutting down: the call has uploaded what it held and ends normally, so the
      // workflow's next call resumes from here on whichever worker polls first, with no failure
      // and no retry (a failed call used to be retried on the draining worker itself).
      log.info("target {}: WAL archiver stream handed back at {} on timeline {}: this worker is stopping ({} segments,"
          + " {} bytes this call)", t.name(), p.archivedEnd(), p.timeline(), p.segmentsArchived(), p.bytesArchived());
      return checkpoint(p, result.gaps());
    }
    // A cancelled call has uploaded what it held; it still ends as cancelled so the workflow stops.
    reporter.rethrowCompletion();
    log.info("target {}: archived WAL to {} on timeline {} ({} segments, {} bytes this call)", t.name(), p.archivedEnd(),
        p.timeline(), p.segmentsArchived(), p.bytesArchived());
    return checkpoint(p, result.gaps());
  }

  private static WalArchiveCheckpoint checkpoint(WalStreamer.Position p, List<String> gaps) {
    return new WalArchiveCheckpoint(p.timeline(), p.archivedEnd().toString(),
        p.lastComplete() == null ? null : p.lastComplete().name(), p.segmentsArchived(), p.bytesArchived(), gaps);
  }

  private static ApplicationFailure streamFailed(TargetConfig t, String slot, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String where = "target '" + t.name() + "': WAL streaming through slot " + slot + " as " + PgFailures.describe(t.connection());
    return switch (state) {
      case "55006" -> retryable(SLOT_BUSY, where + ": " + e.getMessage() + " (another archiver, or a lost worker's"
          + " connection the server has not noticed yet; retrying)");
      case "42501" -> nonRetryable(PgFailures.INSUFFICIENT_PRIVILEGE, where + ": " + e.getMessage()
          + " (the role needs REPLICATION: ALTER ROLE ... REPLICATION)");
      case "53400" -> nonRetryable(PgFailures.INSUFFICIENT_PRIVILEGE, where + ": " + e.getMessage()
          + " (raise max_replication_slots or max_wal_senders on the server)");
      case "55000" -> nonRetryable(PgFailures.INVALID_REQUEST, where + ": " + e.getMessage());
      default -> retryable(PgFailures.DATABASE_ERROR, where + " failed (SQLSTATE " + state + "): " + e.getMessage()
          + "; what was confirmed is archived, the retry resumes there");
    };
  }

  private Connection connect(TargetConfig t) {
    String password;
    try {
      password = t.connection().password() == null ? null : t.connection().password().resolve();
    } catch (IOException e) {
      throw nonRetryable(PgFailures.SECRET_UNAVAILABLE, "target '" + t.name() + "': cannot read the password of user '"
          + t.connection().user() + "' from " + t.connection().password() + ": " + e.getMessage());
    }
    try {
      return ReplicationConnections.open(t.connection(), password);
    } catch (SQLException e) {
      throw PgFailures.connectFailed(t.name(), t.connection(), e);
    }
  }

  private TargetConfig target(String name) {
    return PgFailures.target(serving, name);
  }

  private KeySource keys(TargetConfig t) {
    try {
      return keysFor.apply(t.name());
    } catch (UncheckedIOException e) {
      throw nonRetryable(PgFailures.KEY_UNAVAILABLE, "target '" + t.name() + "': " + e.getCause().getMessage());
    }
  }

  /** Heartbeats, the call's deadline, cancellation, and the occasional progress signal. */
  private static final class Reporter {
    private final ActivityExecutionContext ctx;
    private final long deadline;
    private final long signalEveryNanos;
    private WalStreamer.Position last;
    private long lastHeartbeat;
    private long lastSignal = System.nanoTime();
    private ActivityCompletionException completion;
    private volatile boolean signalsBroken;

    Reporter(ActivityExecutionContext ctx, long deadline, long signalEveryNanos) {
      this.ctx = ctx;
      this.deadline = deadline;
      this.signalEveryNanos = signalEveryNanos;
    }

    /** False once the call's time is up or the server says the call was cancelled or timed out. */
    boolean keepGoing() {
      long now = System.nanoTime();
      if (completion != null || now - deadline >= 0) {
        return false;
      }
      if (now - lastHeartbeat >= 2_000_000_000L) {
        lastHeartbeat = now;
        try {
          ctx.heartbeat(last == null ? null : checkpoint(last, List.of()));
        } catch (ActivityCompletionException e) {
          completion = e;
          return false;
        }
      }
      if (last != null && now - lastSignal >= signalEveryNanos && !signalsBroken) {
        lastSignal = now;
        signal(checkpoint(last, List.of()));
      }
      return true;
    }

    void uploaded(WalStreamer.Position p) {
      last = p;
    }

    /** A cancellation learned while streaming wins over the failure it caused. */
    RuntimeException stoppedOr(RuntimeException failure) {
      return completion != null ? completion : failure;
    }

    /** True when the call ended because this worker is shutting down (not cancelled, not timed out). */
    boolean workerStopping() {
      return completion instanceof ActivityWorkerShutdownException;
    }

    void rethrowCompletion() {
      if (completion != null) {
        throw completion;
      }
    }

    private void signal(WalArchiveCheckpoint c) {
      ActivityInfo info = ctx.getInfo();
      Thread t = new Thread(() -> {
        try {
          WorkflowStub stub = ctx.getWorkflowClient()
              .newUntypedWorkflowStub(info.getWorkflowId(), Optional.ofNullable(info.getRunId()), Optional.empty());
          stub.signal(SIGNAL, c);
        } catch (UnsupportedOperationException e) {
          signalsBroken = true;
        } catch (RuntimeException e) {
          log.warn("could not report WAL progress to {}: {}", info.getWorkflowId(), e.toString());
        }
      }, "wal-progress-signal");
      t.setDaemon(true);
      t.start();
    }
  }
}
