package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.backup.BackupClass;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.common.InputChecks;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks backup start}: starts {@code BackupWorkflow} as workflow {@code backup/<target>}. */
@Command(name = "start", description = {
    "Start a backup of a target (workflow backup/<target> on task queue db-runbooks).",
    "Only one backup per target runs at a time: a second start exits 3."})
public final class BackupStartCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  public String target;

  @Option(names = "--method", paramLabel = "physical|logical", defaultValue = "physical", converter = MethodConverter.class,
      description = "physical (pg_basebackup) or logical (pg_dump); default ${DEFAULT-VALUE}.")
  public BackupMethod method;

  @Option(names = "--operator", paramLabel = "WHO", description = "Who asks for the backup, recorded in the evidence (default $USER).")
  public String operator;

  @Option(names = "--ticket", paramLabel = "X", description = "Change or incident reference recorded in the evidence.")
  public String ticket;

  @Option(names = "--commit", paramLabel = "SHA", description = "Commit that asked for the backup, recorded in the evidence.")
  public String commit;

  @Option(names = "--class", paramLabel = "NAME", description = {
      "The backup's class (hourly, daily, weekly, ...), recorded in its evidence.",
      "Retention keeps it for its class's period in the targets file (retention.classes).",
      "Default: none, and the backup follows the recovery window."})
  String backupClass;

  @Option(names = "--wait", description = "Follow progress until the backup ends; exit 1 if it fails.")
  public boolean await;

  @Override
  public Integer call() {
    String who = operator != null ? operator : cli().user();
    if (backupClass != null && !BackupClass.NAME.matcher(backupClass).matches()) {
      throw CliFailure.usage("--class: " + BackupClass.RULE + ", got " + InputChecks.shown(backupClass));
    }
    BackupRequest request = new BackupRequest(target, method, who, ticket, commit, backupClass);
    try (TemporalConnection connection = cli().connect()) {
      BackupRuns.Started run = BackupRuns.start(connection.client(), request);
      String note = awaitFirstVerdict(connection.client(), run.execution(), "backup of " + target);
      if (!await) {
        if (json()) {
          printStartedJson(run.workflowId(), run.runId(), note);
        } else {
          out().println("started backup of " + target + " (workflow " + run.workflowId() + ", run " + run.runId() + ")");
          printNote(note);
          out().println("watch it with: runbooks status " + run.workflowId());
        }
        return RunbooksCli.EXIT_OK;
      }
      if (!json()) {
        out().println("started backup of " + target + " (workflow " + run.workflowId() + ", run " + run.runId() + "), operator " + who);
        printNote(note);
      }
      BackupRuns.Outcome outcome = BackupRuns.follow(connection.client(), run, BackupRuns.pollInterval(),
          p -> {
            if (!json()) {
              out().println(BackupRuns.progressLine(p));
              out().flush();
            }
          },
          problem -> err().println(problem));
      return report(run, outcome);
    }
  }

  private int report(BackupRuns.Started run, BackupRuns.Outcome outcome) {
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workflowId", run.workflowId());
      m.put("runId", run.runId());
      m.put("status", outcome.ok() ? "completed" : "failed");
      if (outcome.ok()) {
        m.put("result", BackupRuns.summary(outcome.result()));
      } else {
        m.put("error", outcome.failure());
      }
      printJson(m);
    } else if (outcome.ok()) {
      BackupRuns.printSummary(out(), outcome.result());
    } else {
      err().println("backup failed: " + outcome.failure());
      err().println("details: runbooks status " + run.workflowId() + "   or   temporal workflow show --workflow-id " + run.workflowId());
    }
    return outcome.ok() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
  }
}
