package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.StatusCommand;
import io.dbrunbooks.starter.backup.BackupRuns;

import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflow;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The running restore of a target, for the commands that act on one ({@code restore approve},
 * {@code abort}, {@code rollback}), or the decommission workflow a promoted restore left
 * ({@code approve-decommission}): found by its workflow id and pinned to its run, so an update or
 * signal never reaches a later run.
 */
public final class RunningRestore {
  /** How long an update may wait for a worker to accept and run it. */
  public static final Duration UPDATE_WAIT = Duration.ofSeconds(30);
  /** How long to watch the progress for the run acting on a signal before reporting what it says. */
  public static final Duration SIGNAL_SETTLE = Duration.ofSeconds(5);

  public final String target;
  public final String workflowId;
  public final String runId;
  private final WorkflowStub stub;

  private RunningRestore(WorkflowClient client, String target, String workflowId, String type, String runId) {
    this.target = target;
    this.workflowId = workflowId;
    this.runId = runId;
    this.stub = client.newUntypedWorkflowStub(workflowId, Optional.of(runId), Optional.of(type));
  }

  private RunningRestore(WorkflowClient client, String target, String runId) {
    this(client, target, PointInTimeRestoreWorkflow.workflowId(target), PointInTimeRestoreWorkflow.TYPE, runId);
  }

  /**
   * The running {@link BlueDecommissionWorkflow} that keeps blue after a promoted restore of
   * {@code target}: the one of {@code restoreId}, or else the one the target's last restore started.
   *
   * @throws CliFailure exit 1 when there is none, or when it cannot tell which (a restore runs now)
   */
  public static RunningRestore decommission(WorkflowClient client, String target, String restoreId) {
    String workflowId = restoreId != null ? BlueDecommissionWorkflow.workflowId(restoreId) : lastDecommission(client, target);
    WorkflowExecutionDescription d;
    try {
      d = client.newUntypedWorkflowStub(workflowId).describe();
    } catch (WorkflowNotFoundException e) {
      throw CliFailure.failed("no workflow " + workflowId + ": restore " + restoreId + " of " + target
          + " did not promote and stop a blue cluster");
    }
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw CliFailure.failed(workflowId + " is " + StatusCommand.statusName(d.getStatus()) + ": blue of that restore is not"
          + " awaiting decommission; see runbooks status " + workflowId);
    }
    return new RunningRestore(client, target, workflowId, BlueDecommissionWorkflow.TYPE, d.getExecution().getRunId());
  }

  /** The decommission workflow id from the result of the target's last restore. */
  private static String lastDecommission(WorkflowClient client, String target) {
    String restoreWorkflow = PointInTimeRestoreWorkflow.workflowId(target);
    WorkflowExecutionDescription d;
    try {
      d = client.newUntypedWorkflowStub(restoreWorkflow).describe();
    } catch (WorkflowNotFoundException e) {
      throw CliFailure.failed("no restore of " + target + " has run (no workflow " + restoreWorkflow + "): no blue to decommission");
    }
    String pass = "; name the promoted restore with --restore-id <restore id> (its decommission workflow is"
        + " decommission/<restore id>)";
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      throw CliFailure.failed("the last restore of " + target + " (run " + d.getExecution().getRunId() + ") is "
          + StatusCommand.statusName(d.getStatus()) + pass);
    }
    RestoreResult r;
    try {
      r = client.newUntypedWorkflowStub(restoreWorkflow, Optional.of(d.getExecution().getRunId()), Optional.empty())
          .getResult(10, TimeUnit.SECONDS, RestoreResult.class);
    } catch (TimeoutException | WorkflowException e) {
      throw CliFailure.failed("cannot read the result of the last restore of " + target + ": " + BackupRuns.describe(e) + pass);
    }
    if (r.switchover() == null || r.switchover().decommissionWorkflowId() == null) {
      throw CliFailure.failed("the last restore of " + target + " (" + r.restoreId() + ") left no stopped blue to decommission"
          + (r.switchover() == null || r.switchover().outcome() == null ? "" : " (outcome "
              + SwitchoverLines.outcome(r.switchover().outcome()) + ")") + pass);
    }
    return r.switchover().decommissionWorkflowId();
  }

  /** @throws CliFailure exit 1 when no restore of {@code target} is running */
  public static RunningRestore find(WorkflowClient client, String target) {
    String workflowId = PointInTimeRestoreWorkflow.workflowId(target);
    WorkflowExecutionDescription d;
    try {
      d = client.newUntypedWorkflowStub(workflowId).describe();
    } catch (WorkflowNotFoundException e) {
      throw notRunning(target, "no workflow " + workflowId);
    }
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw notRunning(target, "the last one, run " + d.getExecution().getRunId() + ", is " + StatusCommand.statusName(d.getStatus()));
    }
    return new RunningRestore(client, target, d.getExecution().getRunId());
  }

  private static CliFailure notRunning(String target, String detail) {
    return CliFailure.failed("no restore of " + target + " is running (" + detail + "); see runbooks restore status --target " + target);
  }

  /**
   * Runs update {@code name} and returns what it returned.
   *
   * @throws CliFailure exit 2 with the workflow's own message when it refuses the update (its
   *     validator or handler); exit 1 when the run ended meanwhile or no worker ran the update in time
   */
  public <R> R update(String name, Class<R> resultType, Object argument) {
    CompletableFuture<R> call = CompletableFuture.supplyAsync(() -> stub.update(name, resultType, argument));
    try {
      return call.get(UPDATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof WorkflowUpdateException) {
        throw CliFailure.usage("the restore of " + target + " refused " + name + ": " + BackupRuns.describe(c));
      }
      if (c instanceof WorkflowNotFoundException) {
        throw notRunning(target, "run " + runId + " ended meanwhile");
      }
      throw CliFailure.failed(name + " of the restore of " + target + " failed: " + BackupRuns.describe(c));
    } catch (TimeoutException e) {
      call.cancel(true);
      throw CliFailure.failed("no answer to " + name + " from the restore of " + target + " within " + UPDATE_WAIT.toSeconds()
          + " s: is a worker polling task queue " + TaskQueues.RUNBOOKS + "? It was not confirmed; a worker may still apply it"
          + " later: check with runbooks restore status --target " + target);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.failed("interrupted while waiting for " + name + "; check with runbooks restore status --target " + target);
    }
  }

  /** @throws CliFailure exit 1 when the run ended meanwhile */
  public void signal(String name, Object argument) {
    try {
      stub.signal(name, argument);
    } catch (WorkflowNotFoundException e) {
      throw notRunning(target, "run " + runId + " ended meanwhile");
    }
  }

  /** The run's {@code progress} answer as {@code type}, or null when no worker answers. */
  <P> P query(Class<P> type) {
    try {
      return stub.query("progress", type);
    } catch (WorkflowException | StatusRuntimeException e) {
      return null;
    }
  }

  /** The run's {@code progress} answer, or null when no worker answers. */
  public RestoreProgress progress() {
    try {
      return stub.query("progress", RestoreProgress.class);
    } catch (WorkflowException | StatusRuntimeException e) {
      return null;
    }
  }

  /** The run after an update or signal: its status, its progress (null when no worker answers), whether that moved on. */
  public record After(String status, RestoreProgress progress, boolean movedOn) {}

  /** Watches the run's progress until it moved on from {@code before} (a changed phase or a recorded stop request), at most {@code settle}. */
  public After afterwards(RestoreProgress before, Duration settle) {
    long deadline = System.nanoTime() + settle.toNanos();
    RestoreProgress now = progress();
    while (now != null && before != null && !movedOn(before, now) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      now = progress();
    }
    String status = StatusCommand.statusName(stub.describe().getStatus());
    return new After(status, now, now != null && (before == null || movedOn(before, now)));
  }

  /** The {@code --json} answer of a command that acted on this run: the run, what the command did, then the run's status and progress. */
  public Map<String, Object> json(Map<String, Object> did, After after) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workflowId", workflowId);
    m.put("runId", runId);
    m.putAll(did);
    m.put("status", after.status());
    m.put("progress", after.progress());
    return m;
  }

  public void print(PrintWriter out, After after) {
    RestoreProgress now = after.progress();
    if (now == null) {
      out.println("restore of " + target + ": " + after.status() + "; progress not available (is a worker running?)");
    } else {
      out.println("restore of " + target + ": " + after.status() + ", phase " + now.phase().name().toLowerCase()
          + (after.movedOn() ? "" : " (unchanged)"));
      if (now.switchover() != null && now.switchover().stopRequest() != null) {
        out.println("stop requested: " + now.switchover().stopRequest());
      }
    }
    out.println("follow it with: runbooks restore status --target " + target);
  }

  public static boolean movedOn(RestoreProgress before, RestoreProgress now) {
    return before.phase() != now.phase() || !Objects.equals(stopRequest(before), stopRequest(now));
  }

  private static String stopRequest(RestoreProgress p) {
    return p.switchover() == null ? null : p.switchover().stopRequest();
  }
}
