package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runbooks' worker: one task queue ({@link TaskQueues#RUNBOOKS}) serving every workflow and
 * activity. {@link #close()} stops polling, lets running tasks finish for up to {@link
 * #GRACE_PERIOD}, then interrupts what is left; an interrupted activity is retried by Temporal on
 * the next worker, which is why activities are written to start over cleanly.
 */
public final class RunbookWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunbookWorker.class);

  /** How long running workflow and activity tasks get to finish on shutdown. */
  public static final Duration GRACE_PERIOD = Duration.ofSeconds(30);

  private final WorkerFactory factory;
  private final String taskQueue;

  private RunbookWorker(WorkerFactory factory, String taskQueue) {
    this.factory = factory;
    this.taskQueue = taskQueue;
  }

  /** Registers {@code workflowTypes} and {@code activities} on {@link TaskQueues#RUNBOOKS} and starts polling. */
  public static RunbookWorker start(WorkflowClient client, List<Class<?>> workflowTypes, List<Object> activities) {
    return start(client, TaskQueues.RUNBOOKS, workflowTypes, activities);
  }

  /** As {@link #start(WorkflowClient, List, List)} on another task queue (tests, per-host queues). */
  public static RunbookWorker start(
      WorkflowClient client, String taskQueue, List<Class<?>> workflowTypes, List<Object> activities) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    // The SDK batches heartbeats for up to 80% of the heartbeat timeout (24 s here), and a cancel
    // only reaches an activity through a heartbeat reply: 5 s stops a cancelled backup promptly.
    Worker worker =
        factory.newWorker(
            taskQueue, WorkerOptions.newBuilder().setMaxHeartbeatThrottleInterval(Duration.ofSeconds(5)).build());
    if (!workflowTypes.isEmpty()) {
      worker.registerWorkflowImplementationTypes(workflowTypes.toArray(new Class<?>[0]));
    }
    if (!activities.isEmpty()) {
      worker.registerActivitiesImplementations(activities.toArray());
    }
    factory.start();
    log.debug("polling {} with {} workflow types and {} activity implementations", taskQueue, workflowTypes.size(), activities.size());
    return new RunbookWorker(factory, taskQueue);
  }

  public String taskQueue() {
    return taskQueue;
  }

  public WorkerFactory factory() {
    return factory;
  }

  /** Graceful: stop polling, wait up to {@link #GRACE_PERIOD} for running tasks, then interrupt them. */
  @Override
  public void close() {
    close(GRACE_PERIOD);
  }

  /**
   * Stops polling, waits up to {@code grace} for running tasks, then interrupts what is left and
   * waits up to 5 s more: at most {@code grace} plus 5 s in all. Returns whether the running tasks
   * finished on their own (false: some were interrupted, and Temporal retries them elsewhere).
   */
  public boolean close(Duration grace) {
    if (factory.isShutdown()) {
      return true;
    }
    factory.shutdown();
    long started = System.nanoTime();
    factory.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    if (factory.isTerminated()) {
      return true;
    }
    // A worker with nothing registered never reports terminated: only a full wait means stuck tasks.
    boolean stuck = System.nanoTime() - started >= grace.toNanos();
    if (stuck) {
      log.warn("tasks still running after {}s: interrupting them; Temporal retries them on the next worker", grace.toSeconds());
    }
    factory.shutdownNow();
    factory.awaitTermination(5, TimeUnit.SECONDS);
    return !stuck;
  }
}
