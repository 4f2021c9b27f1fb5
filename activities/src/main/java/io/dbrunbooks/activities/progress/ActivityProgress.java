package io.dbrunbooks.activities.progress;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
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
  private long lastHeartbeat;
  private long lastSignal;
  private long bytes;
  private volatile boolean signalsBroken;

  public ActivityProgress(ActivityExecutionContext ctx) {
    this(ctx, Duration.ofSeconds(2), Duration.ofSeconds(10), System::nanoTime);
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
    bytes = totalBytes;
    long now = clock.getAsLong();
    if (now - lastHeartbeat >= heartbeatEveryNanos) {
      lastHeartbeat = now;
      ctx.heartbeat(totalBytes);
    }
    if (now - lastSignal >= signalEveryNanos) {
      lastSignal = now;
      signalAsync(new ByteProgress(totalBytes, throughput(now)));
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

  /** Sends a last heartbeat with the final count. */
  @Override
  public void close() {
    ctx.heartbeat(bytes);
  }
}
