package io.dbrunbooks.starter.status;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.monitoring.FreshnessObserver;
import io.dbrunbooks.workflows.monitoring.BackupAttempt;
import io.dbrunbooks.workflows.monitoring.BackupFreshness;
import io.dbrunbooks.workflows.monitoring.FreshnessObservation;
import io.dbrunbooks.workflows.monitoring.FreshnessRules;
import io.dbrunbooks.workflows.monitoring.OpenAlert;
import io.dbrunbooks.workflows.monitoring.WalObservation;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code runbooks status --target T}: one screen on a target's health. The backups, the WAL
 * archive's end and the open alerts are read as the freshness check reads them (same code, no
 * grace for the archiver's slot); the archiver's workflow and the schedules come from Temporal;
 * the last drill from its sealed manifest.
 *
 * @param archiverWorkflow status of {@code wal-archive/<target>}: running, canceled, ..., or "none"
 * @param lastDrill null when the target has no drill yet
 */
public record TargetStatus(
    String target, FreshnessObservation seen, String archiverWorkflow, DrillSummary lastDrill, List<ScheduleSummary> schedules,
    List<String> problems) {

  public static TargetStatus read(TargetResources resources, String target, WorkflowClient client, Clock clock) {
    TargetConfig t = resources.config().target(target);
    List<String> problems = new java.util.ArrayList<>();
    FreshnessObservation seen;
    try {
      seen = new FreshnessObserver(t, resources.store(target), resources.evidence(target), clock).observe(Duration.ZERO, () -> { });
      problems.addAll(seen.problems());
    } catch (IOException e) {
      throw new IllegalStateException("the alert book of " + target + " could not be read: " + e.getMessage(), e);
    }
    DrillSummary drill = null;
    try {
      drill = DrillSummary.newest(resources.evidence(target), target).orElse(null);
    } catch (IOException e) {
      problems.add("the drills of " + target + " could not be read: " + e.getMessage());
    }
    String archiver;
    try {
      WorkflowExecutionStatus s = client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId(target)).describe().getStatus();
      archiver = s.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT).replace('_', ' ');
    } catch (WorkflowNotFoundException e) {
      archiver = "none";
    }
    ScheduleClient schedules = ScheduleClient.newInstance(client.getWorkflowServiceStubs(),
        ScheduleClientOptions.newBuilder().setNamespace(client.getOptions().getNamespace()).build());
    return new TargetStatus(target, seen, archiver, drill, ScheduleSummary.of(schedules, target), List.copyOf(problems));
  }

  /** The screen, one fact a line. */
  public void print(PrintWriter out) {
    Instant now = Instant.parse(seen.observedAt());
    out.println("target " + target + " as of " + now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    BackupFreshness b = seen.newestBackup();
    row(out, "backup", b == null ? "none sealed"
        : b.backupId() + ", finished " + b.finishedAt() + " (" + FreshnessRules.duration(b.ageSeconds()) + " ago; limit "
            + FreshnessRules.duration(seen.backupMaxAgeSeconds()) + ")");
    BackupAttempt a = seen.lastAttempt();
    if (a != null && a.failed()) {
      row(out, "last run", a.backupId() + " FAILED at " + a.at() + ": " + a.error());
    }
    WalObservation w = seen.wal();
    if (w == null) {
      row(out, "WAL archive", "none (the archiver never ran: runbooks wal archive start --target " + target + ")");
    } else {
      row(out, "WAL archive", w.archivedEnd() == null ? "empty" : "archived to " + w.archivedEnd()
          + (w.sourceLsn() == null ? "" : ", source at " + w.sourceLsn()));
      row(out, "WAL lag", w.lagBytes() == null ? "unknown" : w.lagBytes() + " bytes"
          + (w.behindSeconds() != null && w.behindSeconds() > 0 ? ", waiting at least " + FreshnessRules.duration(w.behindSeconds()) : "")
          + " (limit " + FreshnessRules.duration(seen.walArchiveMaxLagSeconds()) + ")");
      row(out, "archiver", "workflow " + archiverWorkflow + ", slot " + w.slot() + (w.archiverStreaming() == null ? " (unknown)"
          : w.archiverStreaming() ? " streaming" : " not streaming"));
    }
    if (lastDrill == null) {
      row(out, "last drill", "no drill yet");
    } else if (lastDrill.error() != null) {
      row(out, "last drill", lastDrill.drillId() + ": " + lastDrill.error());
    } else {
      row(out, "last drill", lastDrill.drillId() + ": " + (lastDrill.passed() == null ? "result unknown"
          : lastDrill.passed() ? "passed" : "FAILED") + ", RTO " + seconds(lastDrill.rtoSeconds()) + ", RPO "
          + seconds(lastDrill.rpoSeconds()) + (lastDrill.rpoBytes() == null ? "" : " (" + lastDrill.rpoBytes() + " bytes)")
          + (lastDrill.startedAt() == null ? "" : ", started " + lastDrill.startedAt()));
    }
    if (schedules.isEmpty()) {
      row(out, "schedules", "none");
    }
    for (ScheduleSummary s : schedules) {
      row(out, "schedule", s.scheduleId() + (s.paused() ? " PAUSED" + (s.note() == null ? "" : " (" + s.note() + ")")
          : ", next run " + (s.nextRun() == null ? "none due" : s.nextRun())));
    }
    if (seen.openAlerts().isEmpty()) {
      row(out, "alerts", "none open");
    }
    for (OpenAlert o : seen.openAlerts()) {
      row(out, "ALERT", o.severity().word() + " " + o.kind().word() + " since " + o.since() + ": " + o.summary());
    }
    problems.forEach(p -> row(out, "problem", p));
  }

  private static String seconds(Double s) {
    return s == null ? "unknown" : FreshnessRules.duration(Math.round(s));
  }

  private static void row(PrintWriter out, String name, String value) {
    out.println(String.format("  %-12s%s", name, value));
  }
}
