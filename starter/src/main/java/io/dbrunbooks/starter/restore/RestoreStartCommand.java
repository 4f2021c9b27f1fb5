package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.backup.BackupRuns;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks restore start}: starts {@code PointInTimeRestoreWorkflow} as {@code restore/<target>}. */
@Command(name = "start", description = {
    "Restore a target to a moment into a new cluster (workflow restore/<target> on task queue db-runbooks).",
    "Exactly one of --time, --lsn, --restore-point or --latest. One restore per target at a time: a second start exits 3.",
    "With --mode promote the checked cluster then waits for an approval (runbooks restore approve) to take the traffic"
        + " of the target's PgBouncer alias; --wait then returns once it waits, printing how to approve."})
public final class RestoreStartCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  public String target;

  @ArgGroup(exclusive = true, multiplicity = "1")
  public Point point;

  public static final class Point {
    @Option(names = "--time", paramLabel = "ISO-8601", description = "Recover to this moment, inclusive, e.g. 2026-11-21T10:40:59Z.")
    String time;

    @Option(names = "--lsn", paramLabel = "LSN", description = "Recover to this WAL location, inclusive, e.g. 16/B374D848.")
    String lsn;

    @Option(names = "--restore-point", paramLabel = "NAME", description = "Recover to a point made with pg_create_restore_point().")
    String name;

    @Option(names = "--latest", description = "Recover everything the WAL archive holds.")
    boolean latest;

    RecoveryTarget toTarget() {
      if (time != null) {
        return RecoveryTarget.time(time);
      }
      if (lsn != null) {
        return RecoveryTarget.lsn(lsn);
      }
      return name != null ? RecoveryTarget.name(name) : RecoveryTarget.latest();
    }
  }

  @Option(names = "--mode", paramLabel = "isolated|promote", defaultValue = "isolated", converter = RestoreModeConverter.class,
      description = "isolated (default): a copy beside the target, traffic untouched; promote: blue-green switchover through"
          + " the target's PgBouncer after an approval.")
  public RestoreMode mode;

  @Option(names = "--backup", paramLabel = "ID", description = "Base backup to start from (default: the newest one finished before the point).")
  public String backupId;

  @Option(names = "--smoke", paramLabel = "SQL", description = "A query to run on the restored copy (repeatable); an error fails the restore.")
  public List<String> smoke = new ArrayList<>();

  @Option(names = "--keep-on-failure", description = "Leave a failed restore's cluster and directory in place for investigation.")
  public boolean keepOnFailure;

  @Option(names = "--dry-run", description = "Only plan: which backup and WAL, and how many bytes; nothing is provisioned.")
  public boolean dryRun;

  @Option(names = "--operator", paramLabel = "WHO", description = "Who asks for the restore, recorded in the evidence (default $USER).")
  public String operator;

  @Option(names = "--ticket", paramLabel = "X", description = "Incident or change reference recorded in the evidence.")
  public String ticket;

  @Option(names = "--wait", description = "Follow progress until the restore ends, or in mode promote until it awaits approval"
      + " (then print how to approve); exit 1 if it fails.")
  public boolean await;

  @Override
  public Integer call() {
    String who = operator != null ? operator : cli().user();
    List<SmokeQuery> queries = smoke.stream().map(sql -> new SmokeQuery(null, null, sql)).toList();
    RestoreRequest request = new RestoreRequest(target, point.toTarget(), backupId, mode, queries,
        keepOnFailure, dryRun, who, ticket);
    try (TemporalConnection connection = cli().connect()) {
      BackupRuns.Started run = RestoreRuns.start(connection.client(), request);
      String note = awaitFirstVerdict(connection.client(), run.execution(), (dryRun ? "dry run of a " : "")
          + (mode == RestoreMode.PROMOTE ? "promote restore" : "restore") + " of " + target);
      if (!await) {
        if (json()) {
          printStartedJson(run.workflowId(), run.runId(), note);
        } else {
          out().println(started(request) + " (workflow " + run.workflowId() + ", run " + run.runId() + ")");
          printNote(note);
          out().println("watch it with: runbooks restore status --target " + target);
        }
        return RunbooksCli.EXIT_OK;
      }
      if (!json()) {
        out().println(started(request) + " (workflow " + run.workflowId() + "), operator " + who);
        printNote(note);
      }
      RestoreRuns.Outcome outcome = RestoreRuns.follow(connection.client(), run, mode == RestoreMode.PROMOTE,
          BackupRuns.pollInterval(), p -> {
            if (!json()) {
              out().println(RestoreRuns.progressLine(p));
              out().flush();
            }
          },
          problem -> err().println(problem));
      RestoreProgress underway = outcome.switchoverUnderway();
      if (underway != null) {
        if (json()) {
          printJson(Map.of("workflowId", run.workflowId(), "runId", run.runId(),
              "status", underway.phase() == RestorePhase.AWAIT_APPROVAL ? "awaiting-approval" : "running", "progress", underway));
        } else if (underway.switchover() != null) {
          SwitchoverLines.print(out(), target, underway.phase(), underway.switchover());
        } else if (underway.phase() == RestorePhase.AWAIT_APPROVAL) {
          SwitchoverLines.printApprovalHint(out(), target, null);
        }
        return RunbooksCli.EXIT_OK;
      }
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workflowId", run.workflowId());
        m.put("runId", run.runId());
        m.put("status", outcome.ok() ? "completed" : "failed");
        m.put(outcome.ok() ? "result" : "error", outcome.ok() ? RestoreRuns.summary(outcome.result()) : outcome.failure());
        printJson(m);
      } else if (outcome.ok()) {
        RestoreRuns.printSummary(out(), outcome.result());
      } else {
        err().println("restore failed: " + outcome.failure());
        err().println("details: runbooks restore status --target " + target + "   or   temporal workflow show --workflow-id "
            + run.workflowId());
      }
      return outcome.ok() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
    }
  }

  private String started(RestoreRequest request) {
    return "started " + (dryRun ? "a dry run of a " : "") + (mode == RestoreMode.PROMOTE ? "promote restore" : "restore") + " of "
        + target + " to " + request.recoveryTarget().describe();
  }
}
