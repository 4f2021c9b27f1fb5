package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.Human;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.StatusCommand;
import io.dbrunbooks.starter.backup.BackupRuns;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.walarchive.WalArchiveCheckpoint;
import io.dbrunbooks.workflows.walarchive.WalArchiveProgress;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks wal archive status}: the archiver's workflow status and its {@code progress} query. */
@Command(name = "status", description = {
    "Show the WAL archiver of a target: status, timeline, archived position, last segment, gaps, last error.",
    "Exits 0 while it runs, 1 when it is not running."})
public final class WalArchiveStatusCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name.")
  public String target;

  @Override
  public Integer call() {
    String workflowId = WalArchiveWorkflow.workflowId(target);
    try (TemporalConnection connection = cli().connect()) {
      WorkflowExecutionDescription d;
      try {
        d = connection.client().newUntypedWorkflowStub(workflowId).describe();
      } catch (WorkflowNotFoundException e) {
        throw CliFailure.failed("no WAL archiver of " + target + " (workflow " + workflowId + "); start one with: runbooks wal"
            + " archive start --target " + target);
      }
      WorkflowExecutionStatus status = d.getStatus();
      WalArchiveProgress p = null;
      String problem = null;
      try {
        WorkflowStub run = connection.client().newUntypedWorkflowStub(workflowId, Optional.of(d.getExecution().getRunId()),
            Optional.of(d.getWorkflowType()));
        p = run.query("progress", WalArchiveProgress.class);
      } catch (WorkflowException | StatusRuntimeException e) {
        problem = "progress not available (" + BackupRuns.describe(e) + "); is a worker running?";
      }
      boolean running = status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      String retrying = retrying(d);
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workflowId", workflowId);
        m.put("runId", d.getExecution().getRunId());
        m.put("status", StatusCommand.statusName(status));
        m.put("startTime", d.getStartTime());
        m.put("progress", p);
        m.put("retrying", retrying);
        printJson(m);
      } else {
        print(d, status, p, problem);
        if (retrying != null) {
          row("retrying", retrying);
        }
      }
      return running ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
    }
  }

  private void print(WorkflowExecutionDescription d, WorkflowExecutionStatus status, WalArchiveProgress p, String problem) {
    out().println(workflowId() + " (run " + d.getExecution().getRunId() + "): " + StatusCommand.statusName(status)
        + " since " + d.getStartTime());
    if (p == null) {
      out().println("  " + problem);
      return;
    }
    WalArchiveCheckpoint c = p.current() != null ? p.total().plus(p.current()) : p.total();
    row("state", p.state());
    if (c.archivedLsn() == null) {
      // Nothing reported yet: the first call reports its position after its first upload.
      row("position", "not reported yet (the archiver reports after its first upload, within a minute)");
    } else {
      row("timeline", String.valueOf(c.timeline()));
      row("archived to", c.archivedLsn());
      row("last segment", c.lastSegment() == null ? "none complete yet" : c.lastSegment());
    }
    row("archived", c.segmentsArchived() + " segments, " + Human.bytes(c.bytesArchived()) + " of WAL since the archiver started");
    c.gaps().forEach(g -> row("GAP", g));
    if (p.lastError() != null) {
      row("last error", p.lastError());
    }
  }

  /**
   * The archiving call retries inside Temporal (database down, slot busy, store unreachable) and the
   * workflow only sees the outcome: the pending activity's attempt and last failure say it now.
   */
  private static String retrying(WorkflowExecutionDescription d) {
    return retrying(d.getRawDescription().getPendingActivitiesList());
  }

  /**
   * "attempt N of ArchiveWal, last failure: REASON" while a call is being retried; null once the
   * current attempt has heartbeated since it started (it is streaming: archiving has recovered,
   * although Temporal keeps the attempt number and the last failure until the call ends).
   */
  public static String retrying(List<PendingActivityInfo> pending) {
    for (PendingActivityInfo a : pending) {
      if (a.getAttempt() <= 1 || !a.hasLastFailure()) {
        continue;
      }
      boolean streaming = a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
          && a.hasLastHeartbeatTime() && a.hasLastStartedTime()
          && seconds(a.getLastHeartbeatTime()) > seconds(a.getLastStartedTime());
      if (!streaming) {
        return "attempt " + a.getAttempt() + " of " + a.getActivityType().getName() + ", last failure: "
            + reason(a.getLastFailure());
      }
    }
    return null;
  }

  private static double seconds(com.google.protobuf.Timestamp t) {
    return t.getSeconds() + t.getNanos() / 1e9;
  }

  /**
   * What went wrong, in the failure's own words: the deepest cause's message (the outer ones only
   * name the workflow and activity), or for a worker that was shut down mid-call, that.
   */
  public static String reason(Failure failure) {
    Failure f = failure;
    String message = f.getMessage();
    while (f.hasCause()) {
      f = f.getCause();
      if (!f.getMessage().isBlank()) {
        message = f.getMessage();
      }
    }
    String type = f.hasApplicationFailureInfo() ? f.getApplicationFailureInfo().getType() : "";
    if (type.endsWith("ActivityWorkerShutdownException")) {
      return "the worker running the call shut down; the retry resumes from the archive's end";
    }
    return message.isBlank() ? (type.isBlank() ? "no reason given" : type) : message;
  }

  private String workflowId() {
    return WalArchiveWorkflow.workflowId(target);
  }

  private void row(String name, String value) {
    out().println(String.format("  %-13s%s", name, value));
  }
}
