package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real worker on the Temporal test server: heavy steps beyond the worker's limit for their kind
 * wait in the kind's task queue, and a second worker takes them from there.
 */
class HeavyStepConcurrencyTest {
  private final TestWorkflowEnvironment env =
      TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
  private final WorkflowClient client = env.getWorkflowClient();
  private final String queue = "heavy-" + UUID.randomUUID();
  private static final BlockingQueue<String> started = new LinkedBlockingQueue<>();
  private static final Semaphore finish = new Semaphore(0);

  @AfterEach
  void stop() {
    finish.release(100);
    env.close();
  }

  @WorkflowInterface
  public interface FanOut {
    @WorkflowMethod
    int run(int takes);
  }

  @ActivityInterface
  public interface Takes {
    int take(int i);
  }

  /** Schedules {@code takes} heavy backup steps at once, the way a backup workflow schedules its take. */
  public static class FanOutImpl implements FanOut {
    private final Takes takes = Workflow.newActivityStub(Takes.class, RunbookOptions.on(TaskQueues.Heavy.BACKUP,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).build()));

    @Override
    public int run(int n) {
      List<Promise<Integer>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(Async.function(takes::take, i));
      }
      int sum = 0;
      for (Promise<Integer> p : all) {
        sum += p.get();
      }
      return sum;
    }
  }

  /** Records how many takes run at once on one worker; each take waits for a permit to finish. */
  static final class RecordingTakes implements Takes {
    private final String worker;
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();

    RecordingTakes(String worker) {
      this.worker = worker;
    }

    @Override
    public int take(int i) {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      started.add(worker);
      try {
        finish.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
      }
      return i;
    }
  }

  private Map<PendingActivityState, Integer> pending(String workflowId) {
    Map<PendingActivityState, Integer> states = new TreeMap<>();
    for (PendingActivityInfo a : client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder().setNamespace(client.getOptions().getNamespace())
            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(workflowId)).build())
        .getPendingActivitiesList()) {
      states.merge(a.getState(), 1, Integer::sum);
    }
    return states;
  }

  private void awaitStarts(int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      assertNotNull(started.poll(60, TimeUnit.SECONDS), "take " + (i + 1) + " of " + n + " never started");
    }
  }

  @Test
  void takesBeyondTheLimitWaitInTheBackupQueueUntilAWorkerHasASlot() throws Exception {
    started.clear();
    RecordingTakes first = new RecordingTakes("first");
    RecordingTakes second = new RecordingTakes("second");
    try (RunbookWorker a = RunbookWorker.start(client, queue, new Concurrency(2, 1), List.of(FanOutImpl.class), List.of(first))) {
      String id = "fan-out/" + UUID.randomUUID();
      FanOut wf = client.newWorkflowStub(FanOut.class, WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id).build());
      WorkflowClient.start(wf::run, 5);

      awaitStarts(2);
      // Two slots, both taken: the worker does not even poll, so the other three wait in the queue.
      assertEquals(Map.of(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 2,
          PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 3), pending(id));

      try (RunbookWorker b = RunbookWorker.start(client, queue, new Concurrency(2, 1), List.of(), List.of(second))) {
        awaitStarts(2);
        assertEquals(Map.of(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 4,
            PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 1), pending(id));
        finish.release(5);
        assertEquals(0 + 1 + 2 + 3 + 4, WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, Integer.class));
      }
    }
    assertEquals(2, first.most.get());
    assertEquals(2, second.most.get());
  }
}
