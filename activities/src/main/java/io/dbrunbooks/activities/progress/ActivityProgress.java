package io.dbrunbooks.activities.progress;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
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
 *
 * <p>The background heartbeat alone would keep a hung tool (a network blackhole) or a blocked store
 * alive for the activity's whole start-to-close timeout, holding the target's workflow lock. So
 * {@link #keepAlive(Runnable)} also runs a stall watchdog: when no byte has moved for {@code
 * stallLimit} ({@code firstByteGrace} before the first byte, which may wait for a checkpoint), it
 * stops heartbeating, runs the same action (kill the tool) and {@link #checkCancelled()} throws a
 * retryable {@value #STALLED} failure naming the step, the bytes so far and how long nothing moved.
 * If the copy thread itself is stuck (a blocked store write), the missing heartbeats let the server
 * time the attempt out and retry it elsewhere.
 */
public final class ActivityProgress implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ActivityProgress.class);
  public static final String SIGNAL = "reportProgress";
  /** Failure type of an attempt the stall watchdog stopped. */
  public static final String STALLED = "BackupStalled";
  /** Default: no byte for this long after the first one is a stall. */
  public static final Duration STALL_LIMIT = Duration.ofMinutes(10);
  /** Default: no first byte for this long is a stall (pg_basebackup waits for a checkpoint first). */
  public static final Duration FIRST_BYTE_GRACE = Duration.ofMinutes(30);

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
  private volatile RuntimeException completionOrStall;
  private volatile Thread ticker;
  private final String step;
  private final long stallLimitNanos;
  private final long firstByteGraceNanos;
  private volatile long lastMovedAt;
  private volatile boolean watching = true;

  /**
   * Every signal adds a few events to the workflow's history; once a minute keeps a day-long backup
   * well inside Temporal's history limits while people still see bytes move.
   */
  static final Duration SIGNAL_EVERY = Duration.ofMinutes(1);

  public ActivityProgress(ActivityExecutionContext ctx) {
    this(ctx, "copy", STALL_LIMIT, FIRST_BYTE_GRACE);
  }

  /** Default heartbeats and signals; the watchdog calls the step {@code step} and uses the given limits. */
  public ActivityProgress(ActivityExecutionContext ctx, String step, Duration stallLimit, Duration firstByteGrace) {
    this(ctx, Duration.ofSeconds(2), SIGNAL_EVERY, System::nanoTime, step, stallLimit, firstByteGrace);
  }

  /** Heartbeats only, for steps whose byte counts the workflow does not show (verification). */
  public static ActivityProgress heartbeatsOnly(ActivityExecutionContext ctx, String step, Duration stallLimit,
      Duration firstByteGrace) {
    return new ActivityProgress(ctx, Duration.ofSeconds(2), Duration.ofNanos(Long.MAX_VALUE), System::nanoTime, step,
        stallLimit, firstByteGrace);
  }

  public static ActivityProgress heartbeatsOnly(ActivityExecutionContext ctx) {
    return heartbeatsOnly(ctx, "verify", STALL_LIMIT, FIRST_BYTE_GRACE);
  }

  public ActivityProgress(ActivityExecutionContext ctx, Duration heartbeatEvery, Duration signalEvery, LongSupplier nanoClock) {
    this(ctx, heartbeatEvery, signalEvery, nanoClock, "copy", STALL_LIMIT, FIRST_BYTE_GRACE);
  }

  /**
   * @param step named in a stall failure, e.g. "pg_basebackup of target 'orders'"
   * @param stallLimit no byte progress for this long (after the first byte) is a stall
   * @param firstByteGrace no first byte for this long is a stall
   */
  public ActivityProgress(ActivityExecutionContext ctx, Duration heartbeatEvery, Duration signalEvery, LongSupplier nanoClock,
      String step, Duration stallLimit, Duration firstByteGrace) {
    this.ctx = ctx;
    this.heartbeatEveryNanos = heartbeatEvery.toNanos();
    this.signalEveryNanos = signalEvery.toNanos();
    this.clock = nanoClock;
    this.startedAt = nanoClock.getAsLong();
    this.lastHeartbeat = startedAt;
    this.lastSignal = startedAt;
    this.lastMovedAt = startedAt;
    this.step = step;
    this.stallLimitNanos = stallLimit.toNanos();
    this.firstByteGraceNanos = firstByteGrace.toNanos();
  }

  /** Records the total bytes processed so far. */
  public void update(long totalBytes) {
    checkCancelled();
    long now = clock.getAsLong();
    if (totalBytes != bytes) {
      lastMovedAt = now;
    }
    bytes = totalBytes;
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
   * {@link #close()}, and watches for stalls. {@code onCompletion} runs once if the heartbeat reports
   * the activity cancelled or timed out, or if the watchdog finds the copy stalled.
   */
  public ActivityProgress keepAlive(Runnable onCompletion) {
    long sleepMillis = Math.max(10, Math.min(1000, heartbeatEveryNanos / 1_000_000 / 2));
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(sleepMillis);
          long now = clock.getAsLong();
          ApplicationFailure stall = stalled(now);
          if (stall != null) {
            // No more heartbeats: if killing the tool does not free the copy thread, the server's
            // heartbeat timeout still ends this attempt.
            completionOrStall = stall;
            log.warn("{}", stall.getOriginalMessage());
            onCompletion.run();
            return;
          }
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

  /**
   * Stops the stall watchdog, for a phase that moves no bytes by nature (pg_verifybackup reading an
   * extracted backup); heartbeats and cancellation go on.
   */
  public void stopWatchdog() {
    watching = false;
  }

  private ApplicationFailure stalled(long now) {
    if (!watching) {
      return null;
    }
    long b = bytes;
    long idle = now - lastMovedAt;
    if (idle < (b == 0 ? firstByteGraceNanos : stallLimitNanos)) {
      return null;
    }
    return ApplicationFailure.newFailure(step + " stalled: " + b + " bytes so far, nothing moved for "
        + Duration.ofNanos(idle).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().substring(2).toLowerCase()
        + (b == 0 ? " (no first byte; grace " : " (limit ")
        + Duration.ofNanos(b == 0 ? firstByteGraceNanos : stallLimitNanos).toString().substring(2).toLowerCase()
        + "); the tool was stopped and the attempt will be retried", STALLED);
  }

  /** Rethrows a cancellation or timeout that a heartbeat learned of, or the watchdog's stall failure. */
  public void checkCancelled() {
    RuntimeException e = completionOrStall;
    if (e != null) {
      throw e;
    }
  }

  /**
   * Heartbeats now, past the throttle, and throws if this attempt was cancelled, timed out or
   * stalled: for the moment right before an irreversible step (committing an artifact), so an
   * attempt the server has already given up on does not publish its result.
   */
  public void confirmStillCurrent() {
    checkCancelled();
    heartbeat(clock.getAsLong());
  }

  /** True once the watchdog stopped the copy as stalled. */
  public boolean hasStalled() {
    return completionOrStall instanceof ApplicationFailure;
  }

  private synchronized void heartbeat(long now) {
    lastHeartbeat = now;
    try {
      ctx.heartbeat(bytes);
    } catch (ActivityCompletionException e) {
      if (completionOrStall == null) {
        completionOrStall = e;
      }
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
    if (completionOrStall == null) {
      try {
        heartbeat(clock.getAsLong());
      } catch (ActivityCompletionException e) {
        // the caller is finishing anyway; checkCancelled() reports it if asked
      }
    }
  }
}
