package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dbrunbooks.workflows.common.Retries;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.ActivityWorkerShutdownException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A real worker on the Temporal test server, stopped while long activity calls run (as on
 * SIGTERM): it stops polling first, lets the calls end or interrupts them at the bound, takes no
 * new call meanwhile, and logs what really happened.
 */
class DrainTest {
  private final TestWorkflowEnvironment env =
      TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
  private final WorkflowClient client = env.getWorkflowClient();
  private final String queue = "drain-" + UUID.randomUUID();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger workerLog = (Logger) LoggerFactory.getLogger(RunbookWorker.class);

  static final BlockingQueue<String> started = new LinkedBlockingQueue<>();
  static final AtomicInteger calls = new AtomicInteger();

  @AfterEach
  void stop() {
    workerLog.detachAppender(logs);
    env.close();
  }

  @WorkflowInterface
  public interface Archiver {
    @WorkflowMethod
    void run(boolean cooperative, String tag);
  }

  @ActivityInterface
  public interface Streams {
    /** Streams until the call is told to end (a worker shutdown): then hands the stream back. */
    String stream(String tag);

    /** Streams without heartbeating, so nothing tells it to end. */
    String deaf(String tag);
  }

  /** Like the WAL archiver: one long call after another, retried without an attempt limit. */
  public static class ArchiverImpl implements Archiver {
    private final Streams streams = Workflow.newActivityStub(Streams.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(10))
        .setHeartbeatTimeout(Duration.ofSeconds(20))
        .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0))
        .build());

    @Override
    public void run(boolean cooperative, String tag) {
      while (true) {
        if (cooperative) {
          streams.stream(tag);
        } else {
          streams.deaf("call");
        }
      }
    }
  }

  public static class StreamsImpl implements Streams {
    @Override
    public String stream(String tag) {
      calls.incrementAndGet();
      started.add("stream");
      while (true) {
        try {
          Activity.getExecutionContext().heartbeat(null);
        } catch (ActivityWorkerShutdownException e) {
          if (tag.equals("fail")) {
            throw e;
          }
          return "handed back";
        }
        sleep(100);
      }
    }

    @Override
    public String deaf(String tag) {
      calls.incrementAndGet();
      started.add("deaf");
      while (!Thread.currentThread().isInterrupted()) {
        sleep(100);
      }
      return "interrupted";
    }

    private static void sleep(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private RunbookWorker startArchivers(int n, boolean cooperative, Duration drain) throws InterruptedException {
    return startArchivers(n, cooperative, "call", drain);
  }

  private RunbookWorker startArchivers(int n, boolean cooperative, String tag, Duration drain) throws InterruptedException {
    started.clear();
    calls.set(0);
    logs.start();
    workerLog.addAppender(logs);
    RunbookWorker worker = RunbookWorker.start(client, queue, new Concurrency(1, 1), List.of(ArchiverImpl.class),
        List.of(new StreamsImpl())).drainFor(drain);
    for (int i = 0; i < n; i++) {
      Archiver wf = client.newWorkflowStub(Archiver.class,
          WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId("wal-archive/t" + i).build());
      WorkflowClient.start(wf::run, cooperative, tag);
    }
    for (int i = 0; i < n; i++) {
      assertNotNull(started.poll(60, TimeUnit.SECONDS), "call " + (i + 1) + " never started");
    }
    return worker;
  }

  private String log() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
  }

  @Test
  void callsThatHeedTheShutdownEndAndNoNewCallIsTakenMeanwhile() throws Exception {
    RunbookWorker worker = startArchivers(3, true, Duration.ofSeconds(20));
    worker.close();
    // Handed back, each call ended and its workflow scheduled the next; none ran here.
    assertEquals(3, calls.get(), log());
    String log = log();
    assertTrue(log.contains("stopped polling " + queue + " and its heavy-step queues; 3 activities running, told to end within 20 s: "
        + "Stream of wal-archive/t0 (attempt 1"), log);
    assertTrue(log.contains("drained in "), log);
    assertTrue(!log.contains("interrupting"), log);
  }

  @Test
  void retriesOfCallsTheShutdownEndedAreNotRunOnTheDrainingWorker() throws Exception {
    // Each call fails as it learns of the shutdown, as the WAL archiver did: its retry, a second
    // later, must not start a new stream here (before the fix: 9 calls for 3 archivers in 5 s).
    RunbookWorker worker = startArchivers(3, true, "fail", Duration.ofSeconds(20));
    worker.close();
    assertEquals(3, calls.get(), log());
    assertTrue(log().contains("drained in "), log());
  }

  @Test
  void callsThatIgnoreTheShutdownAreInterruptedAtTheBound() throws Exception {
    RunbookWorker worker = startArchivers(2, false, Duration.ofSeconds(2));
    long t0 = System.nanoTime();
    worker.close();
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    String log = log();
    assertEquals(2, calls.get(), log);
    assertTrue(log.contains("after 2 s 2 activities are still running, interrupting: Deaf of wal-archive/t0 (attempt 1"), log);
    assertTrue(seconds < 2 + 10, "drain took " + seconds + " s\n" + log);
  }
}
