package io.dbrunbooks.starter;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What a run's first workflow task said about it. A start is only accepted by the server: the
 * workflow reads and checks its input in its first task, a moment later, and refuses what it cannot
 * run there. A command that says "started" before that verdict tells a person a run is under way that
 * fails 30 ms later, so every start command waits for it (a few seconds at most) before saying so.
 *
 * @param kind what the history showed
 * @param message the workflow's own sentence for a refusal, or what is still awaited
 */
public record FirstVerdict(Kind kind, String message) {
  public enum Kind {
    /** The first task completed and the run goes on. */
    ACCEPTED,
    /** The run ended successfully in its first task(s): nothing to refuse. */
    ENDED,
    /** The workflow refused: it failed in its first task. */
    REFUSED,
    /**
     * The first task itself failed, and again until the bound passed (input the worker cannot read,
     * a worker without this workflow): the server would retry it forever, the run holding its lock.
     */
    TASK_FAILED,
    /** The run ended some other way (terminated, canceled, timed out) before its first task completed. */
    STOPPED,
    /** No worker took the first task within the bound. */
    NOT_PICKED_UP,
    /** A worker took the first task but has not finished it within the bound (a busy worker). */
    NOT_FINISHED
  }

  /**
   * Reads the run's history until its first workflow task completed or failed, or the run closed,
   * or {@code bound} passed. The first task's history is a handful of events, read whole each time,
   * at growing intervals (50 ms to 500 ms): the servers differ in how they long-poll a history (the
   * dev server by page token, the SDK's test server by new events only), a plain read is the same
   * everywhere.
   */
  public static FirstVerdict await(WorkflowClient client, WorkflowExecution execution, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    long pauseMillis = 50;
    while (true) {
      FirstVerdict v = read(client, execution);
      long left = deadline - System.nanoTime();
      // A failed task may be a passing problem (a worker too busy to answer its deadlock detector in
      // time, a worker restarting): the server retries it, so it is a verdict only once the bound passed.
      boolean undecided = v.kind() == Kind.NOT_PICKED_UP || v.kind() == Kind.NOT_FINISHED || v.kind() == Kind.TASK_FAILED;
      if (!undecided || left <= 0) {
        return v;
      }
      try {
        Thread.sleep(Math.min(pauseMillis, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return v;
      }
      pauseMillis = Math.min(pauseMillis * 2, 500);
    }
  }

  /** The verdict the history holds now; NOT_PICKED_UP or NOT_FINISHED when it holds none yet. */
  private static FirstVerdict read(WorkflowClient client, WorkflowExecution execution) {
    boolean pickedUp = false;
    boolean completed = false;
    String taskFailed = null;
    ByteString token = ByteString.EMPTY;
    do {
      GetWorkflowExecutionHistoryResponse page = client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(execution)
              .setHistoryEventFilterType(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
              .setNextPageToken(token)
              .build());
      for (HistoryEvent event : page.getHistory().getEventsList()) {
        switch (event.getEventType()) {
          case EVENT_TYPE_WORKFLOW_TASK_STARTED -> pickedUp = true;
          case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> completed = true;
          case EVENT_TYPE_WORKFLOW_TASK_FAILED -> {
            if (!completed) {
              var a = event.getWorkflowTaskFailedEventAttributes();
              taskFailed = innermost(a.getFailure()) + " (the workflow task failed: "
                  + a.getCause().name().replace("WORKFLOW_TASK_FAILED_CAUSE_", "").toLowerCase().replace('_', ' ') + ")";
            }
          }
          case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> {
            return new FirstVerdict(Kind.REFUSED, sentence(event.getWorkflowExecutionFailedEventAttributes().getFailure()));
          }
          case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> {
            return new FirstVerdict(Kind.ENDED, "ended in its first step");
          }
          case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
            return new FirstVerdict(Kind.STOPPED, "terminated: " + event.getWorkflowExecutionTerminatedEventAttributes().getReason());
          }
          case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> {
            return new FirstVerdict(Kind.STOPPED, "canceled");
          }
          case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> {
            return new FirstVerdict(Kind.STOPPED, "timed out");
          }
          default -> {}
        }
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    // The commands of a completed task are written together with its completion: a history that
    // holds the completion and no end is a run that goes on.
    if (completed) {
      return new FirstVerdict(Kind.ACCEPTED, "accepted");
    }
    if (taskFailed != null) {
      return new FirstVerdict(Kind.TASK_FAILED, taskFailed);
    }
    return pickedUp ? new FirstVerdict(Kind.NOT_FINISHED, "a worker took its first task but has not finished it yet")
        : new FirstVerdict(Kind.NOT_PICKED_UP, "no worker has picked it up yet");
  }

  /** The innermost message of a failure chain: the workflow's own words under the SDK's wrapping. */
  private static String sentence(Failure f) {
    Failure c = f;
    while (c.hasCause() && (c.getMessage().isBlank() || c.hasActivityFailureInfo() || c.hasChildWorkflowExecutionFailureInfo())) {
      c = c.getCause();
    }
    return c.getMessage().isBlank() ? f.getMessage() : c.getMessage();
  }

  /** The deepest message of a failure chain: a task failure's cause under the SDK's "failure handling event" wrapping. */
  private static String innermost(Failure f) {
    String message = f.getMessage();
    for (Failure c = f; c != null; c = c.hasCause() ? c.getCause() : null) {
      if (!c.getMessage().isBlank()) {
        message = c.getMessage();
      }
    }
    return message;
  }
}
