package io.dbrunbooks.starter.drills;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.drill.BackupSelection;
import io.dbrunbooks.workflows.drill.DrillRecovery;
import io.dbrunbooks.workflows.drill.DrillRequest;
import io.dbrunbooks.workflows.drill.DrillResult;
import io.dbrunbooks.workflows.drill.DrillScenario;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflow;
import io.dbrunbooks.workflows.drill.SmokeCommand;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks drills run}: starts {@code RestoreDrillWorkflow} as workflow {@code drill/<target>}. */
@Command(name = "run", description = {
    "Start a restore drill of a target (workflow drill/<target>).",
    "It restores a sealed backup beside the target, validates it, measures RTO and RPO against the objectives,"
        + " tears the copy down and seals a drill manifest.",
    "One drill per target at a time (exit 3), and never beside a restore of the target."})
final class DrillsRunCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  String target;

  @Option(names = "--scenario", paramLabel = "S", defaultValue = "complete-failure",
      description = "complete-failure, corrupted-tables, accidental-deletion, ransomware or point-in-time; default ${DEFAULT-VALUE}.")
  String scenario;

  @Option(names = "--select", paramLabel = "newest|random", defaultValue = "newest",
      description = "The newest sealed physical backup, or a random one sealed within --window-days; default ${DEFAULT-VALUE}.")
  String select;

  @Option(names = "--window-days", paramLabel = "N", description = "With --select random: backups sealed within N days (default 7).")
  Integer windowDays;

  @Option(names = "--recovery", paramLabel = "latest|random", defaultValue = "latest",
      description = "latest: everything archived at the moment of loss (RPO measured); random: a random WAL position; default ${DEFAULT-VALUE}.")
  String recovery;

  @Option(names = "--smoke-command", paramLabel = "\"PROGRAM ARGS\"",
      description = "The application's check, run with PGHOST, PGPORT, PGDATABASE, PGUSER of the copy: an absolute program path and"
          + " its arguments in one string, split at spaces (no shell).")
  String smokeCommand;

  @Option(names = "--smoke-timeout", paramLabel = "SECONDS", description = "Kill the smoke command after this long (default 300).")
  Integer smokeTimeout;

  @Option(names = "--operator", paramLabel = "WHO", description = "Who runs the drill, recorded in the evidence (default $USER).")
  String operator;

  @Option(names = "--ticket", paramLabel = "X", description = "Change reference recorded in the evidence.")
  String ticket;

  @Option(names = "--wait", description = "Wait for the drill's verdict; exit 1 unless it passed.")
  boolean await;

  @Override
  public Integer call() {
    DrillRequest request = new DrillRequest(target, choice(DrillScenario.class, "--scenario", scenario),
        choice(BackupSelection.class, "--select", select), windowDays, choice(DrillRecovery.class, "--recovery", recovery),
        List.of(), smokeCommand == null ? null
            : new SmokeCommand(Arrays.asList(smokeCommand.strip().split("\\s+")), smokeTimeout),
        operator != null ? operator : cli().user(), ticket);
    String workflowId = RestoreDrillWorkflow.workflowId(target);
    try (TemporalConnection connection = cli().connect()) {
      WorkflowClient client = connection.client();
      RestoreDrillWorkflow stub = client.newWorkflowStub(RestoreDrillWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(workflowId)
          .setTaskQueue(TaskQueues.RUNBOOKS)
          .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
          .build());
      WorkflowExecution run;
      try {
        run = WorkflowClient.start(stub::run, RunbookInput.of(request));
      } catch (WorkflowExecutionAlreadyStarted e) {
        throw new CliFailure(RunbooksCli.EXIT_ALREADY_RUNNING, "a drill of " + target + " is already running (workflow "
            + workflowId + "); watch it with: temporal workflow query --workflow-id " + workflowId + " --type progress", e);
      }
      String note = awaitFirstVerdict(client, run, "drill of " + target);
      if (!await) {
        if (json()) {
          printJson(Map.of("workflowId", workflowId, "runId", run.getRunId(), "status", "running"));
        } else {
          out().println("started drill of " + target + " (workflow " + workflowId + ", run " + run.getRunId() + ")");
          if (note != null) {
            out().println(note);
          }
        }
        return RunbooksCli.EXIT_OK;
      }
      if (!json()) {
        out().println("started drill of " + target + " (workflow " + workflowId + "); waiting for its verdict");
        out().flush();
      }
      WorkflowStub untyped = WorkflowStub.fromTyped(stub);
      try {
        return report(untyped.getResult(DrillResult.class));
      } catch (WorkflowFailedException e) {
        String why = e.getCause() instanceof ApplicationFailure f ? f.getOriginalMessage() : String.valueOf(e.getCause());
        if (json()) {
          printJson(Map.of("workflowId", workflowId, "status", "failed", "error", why));
        } else {
          err().println("drill FAILED: " + why);
          err().println("report: runbooks drills report --target " + target);
        }
        return RunbooksCli.EXIT_FAILED;
      }
    }
  }

  private int report(DrillResult r) {
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", r.passed() ? "passed" : "failed");
      m.put("result", r);
      printJson(m);
    } else {
      out().println("drill " + r.drillId() + " of " + r.target() + " (" + r.scenario() + "): " + (r.passed() ? "PASSED"
          : "FAILED: " + String.join("; ", r.failures())));
      out().println("  backup " + r.backupId() + ", recovery target " + r.recoveryTarget().describe());
      out().println(String.format(Locale.ROOT, "  RTO %.1f s (objective %.0f s, %s)", r.rtoSeconds(), r.objectives().rtoSeconds(),
          r.objectives().source()));
      if (r.rpo() != null) {
        out().println(String.format(Locale.ROOT, "  RPO %s s / %d bytes (objective %.0f s): %s",
            r.rpo().seconds() == null ? "?" : String.format(Locale.ROOT, "%.3f", r.rpo().seconds()), r.rpo().bytes(),
            r.objectives().rpoSeconds(), r.rpo().method()));
      }
      if (r.smokeCommand() != null) {
        out().println("  smoke command exit " + r.smokeCommand().exitCode() + ": "
            + String.join(" | ", r.smokeCommand().lastLines()));
      }
      out().println("  copy " + r.cleanup().outcome() + "; manifest " + (r.manifest() == null ? "not sealed" : r.manifest().location()));
    }
    return r.passed() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
  }

  /** {@code value} as one of {@code type}'s JSON names (e.g. complete-failure); exit 2 naming them otherwise. */
  static <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
    List<String> names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    int i = names.indexOf(value == null ? "" : value.strip());
    if (i < 0) {
      throw CliFailure.usage(option + " must be one of " + String.join(", ", names) + ", got " + InputChecks.shown(value));
    }
    return type.getEnumConstants()[i];
  }
}
