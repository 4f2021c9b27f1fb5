package io.dbrunbooks.activities.progress;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress reporting for a long activity that moves bytes. Call {@link #update(long)} as often as
 * you like: it heartbeats (details = bytes so far) at most every {@code heartbeatEvery}, and at most
 * every {@code signalEvery} signals the activity's own workflow ({@code reportProgress}) so the
 * workflow's {@code progress} query can show bytes and throughput.
 *
 * <p>The heartbeat is what keeps a healthy activity alive and lets a stuck one time out; it throws
 * when the activity was cancelled, which is how cancellation reaches the copy loop. The signal is a
 * nicety: it is sent off the copy thread, and a failed signal is logged, never fatal.
 *
 * <p>Some waits produce no bytes: the checkpoint pg_basebackup asks for before its first byte, or a
 * verifier reading a large backup. {@link #keepAlive(Runnable)} covers those with a background
 * heartbeat; when that heartbeat learns the activity was cancelled or timed out it runs the given
 * action (kill the tool) so the blocked thread wakes up and {@link #checkCancelled()} rethrows.
 */
public final class ActivityProgress implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActivityProgress.class);
  public static final String SIGNAL = "reportProgress";

  private final ActivityExecutionContext ctx;
  private final long heartbeatEveryNanos;
  private final long signalEveryNanos;
  private final LongSupplier clock;
  private final long startedAt;
  private final AtomicBoolean signalInFlight = new AtomicBoolean();
  private long lastSignal;
  private volatile long lastHeartbeat;
  private volatile long bytes;
  private volatile boolean signalsBroken;
  private volatile ActivityCompletionException completion;
  private volatile Thread ticker;

  /**
   * Every signal adds a few events to the workflow's history; once a minute keeps a day-long backup
   * well inside Temporal's history limits while people still see bytes move.
   */
  static final Duration SIGNAL_EVERY = Duration.ofMinutes(1);

  public ActivityProgress(ActivityExecutionContext ctx) {
    this(ctx, Duration.ofSeconds(2), SIGNAL_EVERY, System::nanoTime);
  }

  /** Heartbeats only, for steps whose byte counts the workflow does not show (verification). */
  public static ActivityProgress heartbeatsOnly(ActivityExecutionContext ctx) {
    return new ActivityProgress(ctx, Duration.ofSeconds(2), Duration.ofNanos(Long.MAX_VALUE), System::nanoTime);
  }

  public ActivityProgress(ActivityExecutionContext ctx, Duration heartbeatEvery, Duration signalEvery, LongSupplier nanoClock) {
    this.ctx = ctx;
    this.heartbeatEveryNanos = heartbeatEvery.toNanos();
    this.signalEveryNanos = signalEvery.toNanos();
    this.clock = nanoClock;
    this.startedAt = nanoClock.getAsLong();
    this.lastHeartbeat = startedAt;
    this.lastSignal = startedAt;
  }

  /** Records the total bytes processed so far. */
  public void update(long totalBytes) {
    checkCancelled();
    bytes = totalBytes;
    long now = clock.getAsLong();
    if (now - lastHeartbeat >= heartbeatEveryNanos) {
      heartbeat(now);
    }
    if (now - lastSignal >= signalEveryNanos) {
      lastSignal = now;
      signalAsync(new ByteProgress(totalBytes, throughput(now)));
    }
  }

  /**
   * Heartbeats in the background whenever {@link #update} has not for a heartbeat interval, until
   * {@link #close()}. {@code onCompletion} runs once if the heartbeat reports the activity cancelled
   * or timed out.
   */
  public ActivityProgress keepAlive(Runnable onCompletion) {
    long sleepMillis = Math.max(10, heartbeatEveryNanos / 1_000_000 / 2);
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(sleepMillis);
          long now = clock.getAsLong();
          if (now - lastHeartbeat >= heartbeatEveryNanos) {
            heartbeat(now);
          }
        } catch (InterruptedException e) {
          return;
        } catch (ActivityCompletionException e) {
          onCompletion.run();
          return;
        }
      }
    }, "activity-keepalive");
    t.setDaemon(true);
    ticker = t;
    t.start();
    return this;
  }

  /** Rethrows a cancellation or timeout that a heartbeat learned of. */
  public void checkCancelled() {
    ActivityCompletionException e = completion;
    if (e != null) {
      throw e;
    }
  }

  private synchronized void heartbeat(long now) {
    lastHeartbeat = now;
    try {
      ctx.heartbeat(bytes);
    } catch (ActivityCompletionException e) {
      completion = e;
      throw e;
    }
  }

  public long bytes() {
    return bytes;
  }

  /** Bytes per second since this helper was created. */
  public double throughput() {
    return throughput(clock.getAsLong());
  }

  private double throughput(long now) {
    double seconds = (now - startedAt) / 1e9;
    return seconds <= 0 ? 0 : bytes / seconds;
  }

  private void signalAsync(ByteProgress progress) {
    // One signal at a time: a slow server must not queue signals nor stall the copy.
    if (signalsBroken || !signalInFlight.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        signal(progress);
      } finally {
        signalInFlight.set(false);
      }
    }, "activity-progress-signal");
    t.setDaemon(true);
    t.start();
  }

  private void signal(ByteProgress progress) {
    ActivityInfo info = ctx.getInfo();
    try {
      WorkflowStub stub = ctx.getWorkflowClient()
          .newUntypedWorkflowStub(info.getWorkflowId(), Optional.ofNullable(info.getRunId()), Optional.empty());
      stub.signal(SIGNAL, progress);
    } catch (UnsupportedOperationException e) {
      signalsBroken = true;
      log.debug("progress signals unavailable in this context: {}", e.toString());
    } catch (RuntimeException e) {
      log.warn("could not signal progress to workflow {} (run {}): {}", info.getWorkflowId(), info.getRunId(), e.toString());
    }
  }

  /** Stops the background heartbeat and sends a last one with the final count. */
  @Override
  public void close() {
    Thread t = ticker;
    if (t != null) {
      t.interrupt();
    }
    if (completion == null) {
      try {
        heartbeat(clock.getAsLong());
      } catch (ActivityCompletionException e) {
        // the caller is finishing anyway; checkCancelled() reports it if asked
      }
    }
  }
}
