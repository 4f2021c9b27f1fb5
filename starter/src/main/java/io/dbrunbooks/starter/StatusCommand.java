package io.dbrunbooks.starter;

import io.dbrunbooks.starter.backup.BackupRuns;
import io.dbrunbooks.starter.restore.RestoreRuns;
import io.dbrunbooks.starter.restore.SwitchoverLines;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.backup.BackupProgress;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflow;
import io.dbrunbooks.workflows.restore.DecommissionPhase;
import io.dbrunbooks.workflows.restore.DecommissionProgress;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code runbooks status <workflow-id>}: where a run is, from Temporal and the run's progress query. */
@Command(name = "status", description = {
    "With --target T: one screen on the target's health: newest backup and its age, the WAL archive's end and lag,"
        + " the last drill, the target's schedules and their next run, open alerts. Exits 1 while an alert is open.",
    "Show a run: status, phase, bytes, throughput, elapsed time, last error; for a completed backup or restore its result;"
        + " for a promote restore its switchover: approvals, where PgBouncer points, the bake, blue's fate.",
    "Exits 0 for a running or completed run, 1 for a failed, canceled, terminated or timed-out one."})
public final class StatusCommand extends CliCommand {
  @Parameters(paramLabel = "WORKFLOW-ID", arity = "0..1", description = "e.g. backup/orders")
  public String workflowId;

  @picocli.CommandLine.Option(names = "--target", paramLabel = "T",
      description = "Show the target's health instead of one run (reads the targets file, like runbooks backups list).")
  String target;

  @Override
  public Integer call() {
    if ((workflowId == null) == (target == null)) {
      throw CliFailure.usage("give a workflow id (runbooks status backup/orders) or a target (runbooks status --target orders),"
          + " not both");
    }
    if (target != null) {
      return targetStatus();
    }
    try (TemporalConnection connection = cli().connect()) {
      WorkflowStub stub = connection.client().newUntypedWorkflowStub(workflowId);
      WorkflowExecutionDescription d;
      try {
        d = stub.describe();
      } catch (WorkflowNotFoundException e) {
        throw CliFailure.failed("no workflow " + workflowId + " in namespace " + connection.namespace() + " at " + connection.address());
      } catch (WorkflowException | StatusRuntimeException e) {
        if (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND
            || e.getCause() instanceof StatusRuntimeException c && c.getStatus().getCode() == Status.Code.NOT_FOUND) {
          throw CliFailure.failed("no workflow " + workflowId + " in namespace " + connection.namespace() + " at " + connection.address());
        }
        throw e;
      }
      WorkflowExecutionStatus status = d.getStatus();
      String runId = d.getExecution().getRunId();
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("workflowId", workflowId);
      view.put("runId", runId);
      view.put("type", d.getWorkflowType());
      view.put("status", statusName(status));
      view.put("startTime", d.getStartTime());
      view.put("closeTime", d.getCloseTime());

      boolean backup = BackupWorkflow.TYPE.equals(d.getWorkflowType());
      boolean restore = PointInTimeRestoreWorkflow.TYPE.equals(d.getWorkflowType());
      boolean decommission = BlueDecommissionWorkflow.TYPE.equals(d.getWorkflowType());
      WorkflowStub run = connection.client().newUntypedWorkflowStub(workflowId, Optional.of(runId), Optional.of(d.getWorkflowType()));
      BackupProgress progress = null;
      RestoreProgress restoreProgress = null;
      DecommissionProgress decommissionProgress = null;
      String progressProblem = null;
      if (backup || restore || decommission) {
        try {
          // The query's bytes are up to a minute old: the running step's heartbeat is current to seconds.
          boolean running = status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
          if (backup) {
            progress = run.query("progress", BackupProgress.class);
            if (running) {
              progress = LiveProgress.backup(progress, LiveProgress.heartbeat(connection.client(), workflowId, runId), Instant.now());
            }
          } else if (decommission) {
            decommissionProgress = run.query("progress", DecommissionProgress.class);
          } else {
            restoreProgress = run.query("progress", RestoreProgress.class);
            if (running) {
              restoreProgress = LiveProgress.restore(restoreProgress, LiveProgress.heartbeat(connection.client(), workflowId, runId),
                  Instant.now());
            }
          }
        } catch (WorkflowException | StatusRuntimeException e) {
          // Queries need a worker; the status from Temporal is still worth showing.
          progressProblem = "progress not available (" + BackupRuns.describe(e) + "); is a worker running?";
        }
      }
      BackupResult result = null;
      RestoreResult restoreResult = null;
      String failure = null;
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED && backup) {
        result = awaitResult(run, BackupResult.class);
      } else if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED && restore) {
        restoreResult = awaitResult(run, RestoreResult.class);
      } else if (status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
          && status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        failure = failureOf(run);
      }
      view.put("progress", restore ? restoreProgress : decommission ? decommissionProgress : progress);
      if (result != null) {
        view.put("result", BackupRuns.summary(result));
      }
      if (restoreResult != null) {
        view.put("result", RestoreRuns.summary(restoreResult));
      }
      String lastError = progress != null ? progress.lastError() : restoreProgress != null ? restoreProgress.lastError() : null;
      view.put("error", failure != null ? failure : lastError);

      if (json()) {
        printJson(view);
      } else {
        print(d, status, progress, progressProblem, result, failure);
        if (restoreProgress != null) {
          out().println(RestoreRuns.progressLine(restoreProgress));
          if (restoreProgress.switchover() != null && restoreResult == null) {
            SwitchoverLines.print(out(), restoreProgress.target(), restoreProgress.phase(), restoreProgress.switchover());
          }
        }
        if (restoreResult != null) {
          RestoreRuns.printSummary(out(), restoreResult);
        }
        if (decommissionProgress != null) {
          printDecommission(decommissionProgress);
        }
      }
      return failure == null ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
    }
  }

  /** Exit 1 while an alert is open, so a script can act on it. */
  private int targetStatus() {
    io.dbrunbooks.activities.config.TargetsConfig config = cli().loadTargets();
    config.target(target);
    try (TemporalConnection connection = cli().connect();
        io.dbrunbooks.activities.config.TargetResources resources = new io.dbrunbooks.activities.config.TargetResources(config)) {
      io.dbrunbooks.starter.status.TargetStatus s = io.dbrunbooks.starter.status.TargetStatus.read(resources, target,
          connection.client(), java.time.Clock.systemUTC());
      if (json()) {
        printJson(s);
      } else {
        s.print(out());
      }
      return s.seen().openAlerts().isEmpty() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
    }
  }

  private void print(WorkflowExecutionDescription d, WorkflowExecutionStatus status, BackupProgress p, String problem,
      BackupResult result, String failure) {
    out().println(workflowId + " (" + d.getWorkflowType() + ", run " + d.getExecution().getRunId() + "): " + statusName(status));
    Instant end = d.getCloseTime() != null ? d.getCloseTime() : Instant.now();
    out().println(String.format("  %-11s%s", "started", d.getStartTime()));
    out().println(String.format("  %-11s%s", "elapsed", Human.seconds(Duration.between(d.getStartTime(), end).toMillis() / 1000.0)));
    if (p != null) {
      out().println(String.format("  %-11s%s", "phase", p.phase().name().toLowerCase()));
      if (p.backupId() != null) {
        out().println(String.format("  %-11s%s", "backup id", p.backupId()));
      }
      if (p.bytes() > 0) {
        out().println(String.format("  %-11s%s", "written", Human.bytes(p.bytes())
            + (p.throughputBytesPerSecond() > 0 ? " at " + Human.rate(p.throughputBytesPerSecond()) : "")));
      }
      if (p.lastError() != null) {
        out().println(String.format("  %-11s%s", "last error", p.lastError()));
      }
    } else if (problem != null) {
      out().println("  " + problem);
    }
    if (failure != null) {
      out().println(String.format("  %-11s%s", "failure", failure));
    }
    if (result != null) {
      BackupRuns.printSummary(out(), result);
    }
  }

  /** Blue kept after a promotion: where, until when, who approved its removal, what went. */
  private void printDecommission(DecommissionProgress p) {
    RestoreRuns.row(out(), "phase", p.phase().name().toLowerCase());
    if (p.blue() != null) {
      RestoreRuns.row(out(), "blue", p.blue().dataDirectory() + " (system " + p.blue().systemIdentifier() + ", port "
          + p.blue().port() + ")");
    }
    RestoreRuns.row(out(), "kept to", String.valueOf(p.keepBlueUntil()));
    if (p.approval() != null) {
      RestoreRuns.row(out(), "approved", "by " + p.approval().approver() + " at " + p.approval().at()
          + (p.approval().comment() == null ? "" : ": " + p.approval().comment()));
    } else if (p.phase() == DecommissionPhase.KEPT) {
      RestoreRuns.row(out(), "approvers", String.join(", ", p.approvers()));
      out().println("remove blue (after the keep period) with: runbooks restore approve-decommission --target " + p.target()
          + " --restore-id " + p.restoreId() + " --approver <name>");
    }
    if (!p.removed().isEmpty()) {
      RestoreRuns.row(out(), "removed", String.join(", ", p.removed()));
    }
    if (p.lastError() != null) {
      RestoreRuns.row(out(), "last error", p.lastError());
    }
  }

  private static <T> T awaitResult(WorkflowStub run, Class<T> type) {
    try {
      return run.getResultAsync(5, TimeUnit.SECONDS, type).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String failureOf(WorkflowStub run) {
    try {
      run.getResultAsync(5, TimeUnit.SECONDS, Object.class).get(10, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return BackupRuns.describe(e.getCause());
    } catch (TimeoutException e) {
      return "(could not read the failure: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  public static String statusName(WorkflowExecutionStatus s) {
    return s.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase().replace('_', ' ');
  }
}
