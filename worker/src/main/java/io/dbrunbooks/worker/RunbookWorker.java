package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runbooks' worker. The main task queue ({@link TaskQueues#RUNBOOKS} or the one given) serves
 * every workflow and the light activities (prechecks, evidence, notifications, the WAL archivers);
 * each kind of heavy step ({@link TaskQueues.Heavy}) has its own queue beside it, polled with that
 * kind's limit from {@link Concurrency}, so steps beyond the limit wait in the queue where any
 * worker may take them. Every activity is registered on every queue: a step an older workflow
 * version scheduled on the main queue still runs.
 *
 * <p>{@link #close()} drains: it stops polling every queue, lets running calls end for up to the
 * drain period (activities learn of the shutdown at their next heartbeat; a WAL archiver hands its
 * stream back and returns), then interrupts what is left; an interrupted activity is retried by
 * Temporal on the next worker, which is why activities are written to start over cleanly. Each
 * step is logged as it really happens.
 */
public final class RunbookWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunbookWorker.class);

  /** How long running activity calls get to end on shutdown by default: below a container platform's 30 s. */
  public static final Duration GRACE_PERIOD = Duration.ofSeconds(20);

  private final WorkerFactory factory;
  private final String taskQueue;
  private final Concurrency concurrency;
  private final Running running;
  private Duration drain = GRACE_PERIOD;

  private RunbookWorker(WorkerFactory factory, String taskQueue, Concurrency concurrency, Running running) {
    this.factory = factory;
    this.taskQueue = taskQueue;
    this.concurrency = concurrency;
    this.running = running;
  }

  /** Registers {@code workflowTypes} and {@code activities} on {@link TaskQueues#RUNBOOKS} and starts polling. */
  public static RunbookWorker start(WorkflowClient client, List<Class<?>> workflowTypes, List<Object> activities) {
    return start(client, TaskQueues.RUNBOOKS, Concurrency.defaults(), workflowTypes, activities);
  }

  /** As {@link #start(WorkflowClient, List, List)} on another task queue (tests, per-host queues). */
  public static RunbookWorker start(
      WorkflowClient client, String taskQueue, List<Class<?>> workflowTypes, List<Object> activities) {
    return start(client, taskQueue, Concurrency.defaults(), workflowTypes, activities);
  }

  /** As above, with heavy steps limited to {@code concurrency} on this worker. */
  public static RunbookWorker start(WorkflowClient client, String taskQueue, Concurrency concurrency,
      List<Class<?>> workflowTypes, List<Object> activities) {
    Running running = new Running();
    WorkerFactory factory = WorkerFactory.newInstance(client,
        WorkerFactoryOptions.newBuilder().setWorkerInterceptors(running).build());
    // The SDK batches heartbeats for up to 80% of the heartbeat timeout (24 s here), and a cancel
    // only reaches an activity through a heartbeat reply: 5 s stops a cancelled backup promptly.
    Worker main = factory.newWorker(taskQueue, options().build());
    if (!workflowTypes.isEmpty()) {
      main.registerWorkflowImplementationTypes(workflowTypes.toArray(new Class<?>[0]));
    }
    if (!activities.isEmpty()) {
      main.registerActivitiesImplementations(activities.toArray());
      for (TaskQueues.Heavy kind : TaskQueues.Heavy.values()) {
        factory.newWorker(kind.queue(taskQueue), options()
                .setMaxConcurrentActivityExecutionSize(concurrency.of(kind))
                .setMaxConcurrentActivityTaskPollers(Math.min(2, concurrency.of(kind)))
                .build())
            .registerActivitiesImplementations(activities.toArray());
      }
    }
    factory.start();
    log.debug("polling {} with {} workflow types and {} activity implementations; {}", taskQueue, workflowTypes.size(),
        activities.size(), concurrency);
    return new RunbookWorker(factory, taskQueue, concurrency, running);
  }

  private static WorkerOptions.Builder options() {
    return WorkerOptions.newBuilder().setMaxHeartbeatThrottleInterval(Duration.ofSeconds(5));
  }

  public String taskQueue() {
    return taskQueue;
  }

  public Concurrency concurrency() {
    return concurrency;
  }

  public WorkerFactory factory() {
    return factory;
  }

  /** How long {@link #close()} lets running calls end before interrupting them. */
  public RunbookWorker drainFor(Duration period) {
    this.drain = period;
    return this;
  }

  /** The activity calls running on this worker now, e.g. {@code ArchiveWal of wal-archive/orders (12 s)}. */
  public List<String> runningActivities() {
    return running.describe();
  }

  /**
   * Drains: stops polling every queue, waits up to the drain period for running calls to end, then
   * interrupts what is left; logs each step and how long it took.
   */
  @Override
  public void close() {
    close(drain);
  }

  /**
   * {@link #close()} with a drain period of {@code grace}: at most {@code grace} plus 5 s in all.
   * Returns whether the running calls ended on their own (false: some were interrupted, and
   * Temporal retries them elsewhere).
   */
  public boolean close(Duration grace) {
    Duration drain = grace;
    if (factory.isShutdown()) {
      return true;
    }
    long started = System.nanoTime();
    // First: nothing starts here any more. A poll already in flight may still deliver a task after
    // shutdown() (the SDK lets it complete); such a task is handed back unstarted, see Running.
    running.draining = true;
    List<String> calls = running.describe();
    factory.shutdown();
    log.info("stopped polling {} and its heavy-step queues; {}", taskQueue, calls.isEmpty()
        ? "no activities running"
        : calls.size() + " activit" + (calls.size() == 1 ? "y" : "ies") + " running, told to end within "
            + drain.toSeconds() + " s: " + String.join(", ", calls));
    // Running calls learn of the shutdown at their next heartbeat (ActivityWorkerShutdownException):
    // a WAL archiver hands its stream back and returns, a take or restore step stops and is retried
    // elsewhere. Once none is left, the pollers still waiting on the server are cut off.
    long deadline = started + drain.toNanos();
    while (!running.isEmpty() && !factory.isTerminated() && System.nanoTime() - deadline < 0) {
      factory.awaitTermination(100, TimeUnit.MILLISECONDS);
    }
    List<String> left = running.describe();
    if (!left.isEmpty()) {
      log.warn("after {} s {} still running, interrupting: {}; what does not report back is retried on another worker"
          + " once its heartbeat timeout passes", drain.toSeconds(), left.size() == 1 ? "1 activity is" : left.size()
          + " activities are", String.join(", ", left));
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    } else if (!factory.isTerminated()) {
      // No call left: only polls waiting on the server remain; interrupting them costs nothing.
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    }
    int handedBack = running.refused.get();
    log.info("drained in {} s{}", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
        handedBack == 0 ? "" : "; " + handedBack + " task" + (handedBack == 1 ? "" : "s") + " polled after the stop"
            + " handed back unstarted");
    return left.isEmpty();
  }

  /**
   * Tracks the activity calls executing on this worker, for the drain's log; once draining, hands
   * back any task a poll still delivers without running it.
   */
  private static final class Running extends WorkerInterceptorBase {
    /** The failure type of a task handed back unstarted by a draining worker; its retry runs elsewhere. */
    static final String WORKER_STOPPING = "WorkerStopping";

    private final Map<Long, String> calls = new ConcurrentHashMap<>();
    private final Map<Long, Long> startedAt = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean draining;

    boolean isEmpty() {
      return calls.isEmpty();
    }

    @Override
    public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
      return new ActivityInboundCallsInterceptorBase(next) {
        private ActivityExecutionContext ctx;

        @Override
        public void init(ActivityExecutionContext context) {
          this.ctx = context;
          super.init(context);
        }

        @Override
        public ActivityOutput execute(ActivityInput input) {
          ActivityInfo info = ctx.getInfo();
          if (draining) {
            // Not started, nothing to undo: failing it at once puts it back for another worker
            // (one attempt spent, after the retry policy's first interval) instead of running
            // a stream here that the shutdown would cut again.
            refused.incrementAndGet();
            log.info("handed back {} of {} (attempt {}) unstarted: polled after this worker began stopping",
                info.getActivityType(), info.getWorkflowId(), info.getAttempt());
            throw ApplicationFailure.newFailure("worker "
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + " was stopping and handed this"
                + " call back unstarted; another worker runs the retry", WORKER_STOPPING);
          }
          long id = ids.incrementAndGet();
          calls.put(id, info.getActivityType() + " of " + info.getWorkflowId() + " (attempt " + info.getAttempt() + ")");
          startedAt.put(id, System.nanoTime());
          try {
            return super.execute(input);
          } finally {
            calls.remove(id);
            startedAt.remove(id);
          }
        }
      };
    }

    List<String> describe() {
      long now = System.nanoTime();
      List<String> out = new ArrayList<>();
      calls.forEach((id, what) -> {
        Long t = startedAt.get(id);
        out.add(what + (t == null ? "" : ", running " + (now - t) / 1_000_000_000L + " s"));
      });
      return out.stream().sorted().collect(Collectors.toList());
    }
  }
}
