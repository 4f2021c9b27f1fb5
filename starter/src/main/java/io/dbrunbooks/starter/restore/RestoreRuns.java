package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.LiveProgress;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.StaticSummary;
import io.dbrunbooks.starter.backup.BackupRuns;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.RecoveredPoint;
import io.dbrunbooks.workflows.restore.RestoreChecks;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Starting, following and summarising {@link PointInTimeRestoreWorkflow} runs ({@code restore start}, {@code status}, {@code demo}). */
public final class RestoreRuns {
  private RestoreRuns() {}

  /**
   * The end of a followed run: the result, or the failure message; or, for a promote restore
   * followed until its switchover, the progress at which the follower stopped waiting.
   */
  public record Outcome(RestoreResult result, String failure, RestoreProgress switchoverUnderway) {
    public boolean ok() {
      return result != null;
    }
  }

  /** Starts {@code restore/<target>}; @throws CliFailure exit 3 when a restore of the target is already running */
  public static BackupRuns.Started start(WorkflowClient client, RestoreRequest request) {
    String workflowId = PointInTimeRestoreWorkflow.workflowId(request.target());
    PointInTimeRestoreWorkflow stub = client.newWorkflowStub(PointInTimeRestoreWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.RUNBOOKS)
        .setStaticSummary(StaticSummary.of("restore of " + request.target() + " to " + request.recoveryTarget().describe()
            + " (" + request.modeOrDefault().name().toLowerCase() + (request.dryRun() ? ", dry run" : "") + ") by "
            + request.operator()))
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .build());
    try {
      WorkflowExecution e = WorkflowClient.start(stub::run, RunbookInput.of(request));
      return new BackupRuns.Started(e.getWorkflowId(), e.getRunId());
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliFailure(RunbooksCli.EXIT_ALREADY_RUNNING, "a restore of " + request.target() + " is already running (workflow "
          + workflowId + ", run " + e.getExecution().getRunId() + "); watch it with: runbooks restore status --target "
          + request.target(), e);
    }
  }

  /** Waits for the run, handing each changed {@code progress} answer to {@code onProgress}; see {@link BackupRuns#follow}. */
  public static Outcome follow(WorkflowClient client, BackupRuns.Started run, Duration interval, Consumer<RestoreProgress> onProgress,
      Consumer<String> onQueryProblem) {
    return follow(client, run, false, interval, onProgress, onQueryProblem);
  }

  /**
   * As above; with {@code untilSwitchover} it stops waiting once the restore awaits its {@code approve}
   * update, or is past it (approved between two polls): a promote restore then runs for days.
   */
  public static Outcome follow(WorkflowClient client, BackupRuns.Started run, boolean untilSwitchover, Duration interval,
      Consumer<RestoreProgress> onProgress, Consumer<String> onQueryProblem) {
    BackupRuns.Followed<RestoreResult, RestoreProgress> f = BackupRuns.follow(client, run, PointInTimeRestoreWorkflow.TYPE,
        RestoreResult.class, RestoreProgress.class,
        p -> LiveProgress.restore(p, LiveProgress.heartbeat(client, run.workflowId(), run.runId()), java.time.Instant.now()),
        (a, b) -> a.phase() != b.phase() || a.bytes() != b.bytes(),
        p -> untilSwitchover && switchoverUnderway(p.phase()), interval, onProgress, onQueryProblem, "restore");
    return new Outcome(f.result(), f.failure(), f.stoppedAt());
  }

  /** The phases of a promote restore from the approval on, until it ends. */
  public static boolean switchoverUnderway(RestorePhase phase) {
    return switch (phase) {
      case AWAIT_APPROVAL, SWITCH, BAKE, ROLLBACK, STOP_BLUE -> true;
      default -> false;
    };
  }

  public static String progressLine(RestoreProgress p) {
    return BackupRuns.progressLine(p.phase().name(), p.bytes(), p.phase().name().equals("RECOVER") ? "of WAL replayed" : "unpacked",
        p.throughputBytesPerSecond(), p.elapsedSeconds(), p.lastError());
  }

  /** A person's summary: which backup and WAL, where the copy runs, what it holds, what proves it. */
  public static void printSummary(PrintWriter out, RestoreResult r) {
    RestorePlan p = r.plan();
    out.println((r.dryRun() ? "dry run: restore of " : "restore " + r.restoreId() + " of ") + r.target() + " to "
        + p.recoveryTarget().describe() + (r.dryRun() ? "" : ", ready in " + Human.seconds(r.rtoSeconds()) + " (RTO)"));
    row(out, "backup", p.backupId() + " (LSN " + p.backupStartLsn() + " .. " + p.backupStopLsn() + ", timeline " + p.timeline()
        + ", finished " + p.backupStopTime() + ")");
    // A newer backup passed over is never silent: it means more to move, and something to look into.
    p.skipped().forEach(k -> row(out, "skipped", k.backupId() + ": " + k.reason()));
    row(out, "WAL", p.walSegments() + " segment(s) " + p.walFirstSegment() + " .. " + p.walLastSegment()
        + ", checked to " + p.walCheckedToLsn());
    row(out, "to move", Human.bytes(p.bytesToMove()) + " (base backup stored bytes plus WAL)");
    p.provenance().forEach(line -> row(out, "checked", line));
    if (r.dryRun()) {
      return;
    }
    RecoveredPoint at = r.recovered();
    if (at != null) {
      row(out, "recovered", "LSN " + at.lsn() + ", timeline " + at.timeline()
          + (at.lastTransactionTime() == null ? "" : ", last transaction committed " + at.lastTransactionTime()));
    }
    if (r.environment() != null) {
      row(out, "running", "127.0.0.1:" + r.environment().port() + " (cluster " + r.environment().clusterName() + ", data "
          + r.environment().dataDirectory() + ")");
    }
    RestoreChecks c = r.checks();
    if (c != null) {
      row(out, "amcheck", c.amcheck().ok() ? "clean (" + String.join(", ", c.amcheck().databases()) + ")" : c.amcheck().output());
      long tables = c.rowCounts().size();
      long rows = c.rowCounts().stream().mapToLong(RestoreChecks.TableRows::rows).sum();
      row(out, "rows", rows + " in " + tables + " table(s), counted exactly");
      for (RestoreChecks.SmokeResult s : c.smoke()) {
        row(out, "smoke", s.name() + ": " + (s.ok() ? s.rows().size() == 1 ? String.join(", ", s.rows().get(0)) : s.rows().size() + " rows"
            : "FAILED " + s.error()));
      }
    }
    if (r.manifest() != null) {
      row(out, "manifest", r.manifest().location());
    }
    if (r.switchover() != null) {
      SwitchoverLines.print(out, r.target(), RestorePhase.COMPLETED, r.switchover());
    }
  }

  /** The summary for {@code --json}. */
  public static Map<String, Object> summary(RestoreResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("restoreId", r.restoreId());
    m.put("target", r.target());
    m.put("dryRun", r.dryRun());
    m.put("plan", r.plan());
    m.put("environment", r.environment());
    m.put("recovered", r.recovered());
    m.put("checks", r.checks());
    m.put("rtoSeconds", r.rtoSeconds());
    m.put("manifest", r.manifest() == null ? null : r.manifest().location());
    m.put("switchover", r.switchover());
    return m;
  }

  public static void row(PrintWriter out, String name, String value) {
    out.println(String.format("  %-10s%s", name, value));
  }
}
