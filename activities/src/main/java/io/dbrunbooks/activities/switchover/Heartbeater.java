package io.dbrunbooks.activities.switchover;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.util.function.Supplier;

/**
 * Heartbeats every {@value #EVERY_MILLIS} ms from a daemon thread while a step blocks (a PAUSE
 * waiting for transactions, a health check waiting for a login, a shutdown checkpoint), carrying
 * whatever {@code details} says now, so a retry can resume from it. The workflow gives these
 * activities a short heartbeat timeout: a worker killed mid-switch is noticed within seconds.
 *
 * <p>Not {@code ActivityProgress}: that one heartbeats byte counts, which would overwrite the
 * details a bake resumes from.
 */
final class Heartbeater implements AutoCloseable {
  static final long EVERY_MILLIS = 2000;

  private final ActivityExecutionContext ctx;
  private final Supplier<?> details;
  private final Thread thread;
  private volatile ActivityCompletionException completion;

  Heartbeater(ActivityExecutionContext ctx, Supplier<?> details) {
    this.ctx = ctx;
    this.details = details;
    this.thread = new Thread(this::run, "switchover-heartbeat");
    thread.setDaemon(true);
    try {
      beat(); // on the step's thread, before any work: a cancel already requested is known at the first check
    } catch (ActivityCompletionException e) {
      return; // recorded; checkCancelled() rethrows it
    }
    thread.start();
  }

  private void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(EVERY_MILLIS);
        beat();
      } catch (InterruptedException e) {
        return;
      } catch (ActivityCompletionException e) {
        return; // recorded by beat(); the step's thread rethrows it at its next check
      }
    }
  }

  /** Heartbeats now; throws when the server says the activity was cancelled or timed out. */
  synchronized void beat() {
    if (completion != null) {
      throw completion;
    }
    try {
      ctx.heartbeat(details.get());
    } catch (ActivityCompletionException e) {
      completion = e;
      throw e;
    }
  }

  /** Rethrows a cancellation or timeout a background heartbeat learned of. */
  void checkCancelled() {
    ActivityCompletionException e = completion;
    if (e != null) {
      throw e;
    }
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
