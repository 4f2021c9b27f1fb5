package io.dbrunbooks.activities.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Heartbeats are throttled and progress reaches the activity's own workflow as a signal. */
class ActivityProgressTest {

  @WorkflowInterface
  public interface ProbeWorkflow {
    @WorkflowMethod
    List<Long> run();

    @SignalMethod(name = ActivityProgress.SIGNAL)
    void reportProgress(ByteProgress progress);
  }

  @ActivityInterface
  public interface CopyActivity {
    void copy();
  }

  public static class ProbeWorkflowImpl implements ProbeWorkflow {
    private final List<Long> received = new ArrayList<>();

    @Override
    public List<Long> run() {
      Workflow.newActivityStub(CopyActivity.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build()).copy();
      Workflow.await(() -> !received.isEmpty());
      return received;
    }

    @Override
    public void reportProgress(ByteProgress progress) {
      received.add(progress.bytes());
    }
  }

  /** Twelve updates one simulated second apart: six heartbeats, one signal. */
  public static class CopyActivityImpl implements CopyActivity {
    @Override
    public void copy() {
      AtomicLong nanos = new AtomicLong();
      ActivityProgress p = new ActivityProgress(Activity.getExecutionContext(), Duration.ofSeconds(2),
          Duration.ofSeconds(10), nanos::get);
      for (int i = 1; i <= 12; i++) {
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        p.update(i * 1000L);
      }
      assertEquals(1000.0, p.throughput(), 0.001);
    }
  }

  TestWorkflowEnvironment env;

  @BeforeEach
  void setUp() {
    // Real time: the signal is sent from another thread, and a skipping clock would time the run out first.
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker w = env.newWorker("progress");
    w.registerWorkflowImplementationTypes(ProbeWorkflowImpl.class);
    w.registerActivitiesImplementations(new CopyActivityImpl());
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void theWorkflowHearsProgressFromItsActivity() {
    ProbeWorkflow wf = env.getWorkflowClient().newWorkflowStub(ProbeWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue("progress").setWorkflowId("backup/probe").build());
    List<Long> received = wf.run();
    assertEquals(List.of(10_000L), received, "one signal, sent at the 10 s mark with the bytes then");
  }

  @Test
  void heartbeatsAreThrottledAndASignalThatCannotBeDeliveredIsNotFatal() {
    // The activity test environment has no workflow to signal: the copy must still complete.
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      activityEnv.registerActivitiesImplementations(new CountingCopyActivity());
      activityEnv.newActivityStub(CopyActivity.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build()).copy();
      assertEquals(List.of(2000L, 4000L, 6000L, 8000L, 10000L, 12000L), CountingCopyActivity.beats,
          "every 2 simulated seconds");
    } finally {
      activityEnv.close();
    }
  }

  /** Records what the helper hands to heartbeat(), before the SDK's own throttling. */
  public static class CountingCopyActivity implements CopyActivity {
    static final List<Long> beats = new CopyOnWriteArrayList<>();

    @Override
    public void copy() {
      ActivityExecutionContext real = Activity.getExecutionContext();
      ActivityExecutionContext counting = (ActivityExecutionContext) Proxy.newProxyInstance(
          getClass().getClassLoader(), new Class<?>[] {ActivityExecutionContext.class}, (proxy, m, args) -> {
            if (m.getName().equals("heartbeat")) {
              beats.add((Long) args[0]);
            }
            try {
              return m.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      AtomicLong nanos = new AtomicLong();
      ActivityProgress p = new ActivityProgress(counting, Duration.ofSeconds(2), Duration.ofSeconds(10), nanos::get);
      for (int i = 1; i <= 12; i++) {
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        p.update(i * 1000L);
      }
    }
  }

  @Test
  void keepAliveHeartbeatsWhileBlockedAndWakesTheActivityOnCancellation() throws Exception {
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      List<Long> beats = new CopyOnWriteArrayList<>();
      activityEnv.setActivityHeartbeatListener(Long.class, beats::add);
      activityEnv.registerActivitiesImplementations(new BlockedActivity());
      Thread canceller = new Thread(() -> {
        try {
          BlockedActivity.blocked.await();
          Thread.sleep(300);
        } catch (InterruptedException e) {
          return;
        }
        activityEnv.requestCancelActivity();
      });
      canceller.start();
      CopyActivity stub = activityEnv.newActivityStub(CopyActivity.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1)).setHeartbeatTimeout(Duration.ofSeconds(1)).build());
      // The activity test environment reports a cancelled activity as CanceledFailure itself.
      org.junit.jupiter.api.Assertions.assertThrows(io.temporal.failure.CanceledFailure.class, stub::copy);
      assertEquals(0, BlockedActivity.woken.getCount(), "the blocked wait was released by the cancellation hook");
      org.junit.jupiter.api.Assertions.assertFalse(beats.isEmpty(), "heartbeats kept flowing while no bytes moved");
    } finally {
      activityEnv.close();
    }
  }

  /** Waits like pg_basebackup during a checkpoint: no bytes, until someone kills it. */
  public static class BlockedActivity implements CopyActivity {
    static final java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
    static final java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void copy() {
      try (ActivityProgress p = new ActivityProgress(Activity.getExecutionContext(), Duration.ofMillis(50),
          Duration.ofMinutes(1), System::nanoTime).keepAlive(woken::countDown)) {
        blocked.countDown();
        if (!woken.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("never woken");
        }
        p.checkCancelled();
        throw new IllegalStateException("cancellation was not reported");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void confirmStillCurrentHeartbeatsPastTheThrottleAndThrowsOnceCancelled() {
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      activityEnv.registerActivitiesImplementations(new CommitActivity());
      Thread canceller = new Thread(() -> {
        try {
          CommitActivity.started.await();
        } catch (InterruptedException e) {
          return;
        }
        activityEnv.requestCancelActivity();
        CommitActivity.cancelRequested.countDown();
      });
      canceller.start();
      CopyActivity stub = activityEnv.newActivityStub(CopyActivity.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1)).setHeartbeatTimeout(Duration.ofSeconds(30)).build());
      org.junit.jupiter.api.Assertions.assertThrows(io.temporal.failure.CanceledFailure.class, stub::copy);
      assertEquals(0, CommitActivity.committed.get(), "nothing was committed after the cancellation");
    } finally {
      activityEnv.close();
    }
  }

  /** Copies with an hour-long heartbeat throttle, then asks before "committing" whether it still should. */
  public static class CommitActivity implements CopyActivity {
    static final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    static final java.util.concurrent.CountDownLatch cancelRequested = new java.util.concurrent.CountDownLatch(1);
    static final java.util.concurrent.atomic.AtomicInteger committed = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void copy() {
      ActivityProgress p = new ActivityProgress(Activity.getExecutionContext(), Duration.ofHours(1), Duration.ofHours(1),
          System::nanoTime);
      p.update(1000);
      started.countDown();
      try {
        cancelRequested.await(30, java.util.concurrent.TimeUnit.SECONDS);
        p.update(2000); // throttled: no heartbeat, so the copy loop alone would not notice
        // The SDK learns of a cancellation from a heartbeat's answer: the confirmation may need a
        // round trip, as it would right before a real commit.
        for (int i = 0; i < 100; i++) {
          p.confirmStillCurrent();
          Thread.sleep(50);
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      committed.incrementAndGet();
    }
  }
}
