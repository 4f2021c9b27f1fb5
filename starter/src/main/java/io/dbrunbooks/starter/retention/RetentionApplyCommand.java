package io.dbrunbooks.starter.retention;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.StaticSummary;
import io.dbrunbooks.starter.backup.BackupRuns;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.dbrunbooks.workflows.retention.RetentionResult;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks retention apply}: runs {@code RetentionWorkflow} as {@code retention/<target>} and
 * waits for it. Retention plans from the sealed catalog in seconds; deleting is the long part.
 */
@Command(name = "apply", description = {
    "Apply a target's retention policy (workflow retention/<target>) and wait for it.",
    "Expires backups outside the recovery window, beyond the minimum count and past their class's period, and WAL no kept backup needs.",
    "Each kept backup is listed with every reason that keeps it.",
    "Never the newest backup, never sealed evidence. --dry-run lists what would go and deletes nothing."})
public final class RetentionApplyCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  public String target;

  @Option(names = "--dry-run", description = "Plan only: list what would be expired; nothing is deleted or sealed.")
  public boolean dryRun;

  @Option(names = "--operator", paramLabel = "WHO", description = "Who asks, recorded in the evidence (default $USER).")
  public String operator;

  @Override
  public Integer call() {
    String who = operator != null ? operator : cli().user();
    String workflowId = RetentionWorkflow.workflowId(target);
    try (TemporalConnection connection = cli().connect()) {
      RetentionWorkflow stub = connection.client().newWorkflowStub(RetentionWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(workflowId)
          .setTaskQueue(TaskQueues.RUNBOOKS)
          .setStaticSummary(StaticSummary.of("retention of " + target + (dryRun ? " (dry run)" : "") + " by " + who))
          .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
          .build());
      try {
        WorkflowClient.start(stub::run, RunbookInput.of(new RetentionRequest(target, dryRun, who, "on-demand")));
      } catch (WorkflowExecutionAlreadyStarted e) {
        throw new CliFailure(RunbooksCli.EXIT_ALREADY_RUNNING, "retention of " + target + " is already running (workflow "
            + workflowId + "); watch it with: temporal workflow show --workflow-id " + workflowId, e);
      }
      String note = awaitFirstVerdict(connection.client(), WorkflowStub.fromTyped(stub).getExecution(), "retention of " + target);
      if (note != null) {
        err().println("retention of " + target + " waits: " + note);
      }
      RetentionResult result;
      try {
        result = connection.client().newUntypedWorkflowStub(workflowId).getResult(RetentionResult.class);
      } catch (WorkflowFailedException e) {
        err().println("retention of " + target + " failed: " + BackupRuns.describe(e));
        err().println("details: temporal workflow show --workflow-id " + workflowId);
        return RunbooksCli.EXIT_FAILED;
      }
      if (json()) {
        printJson(result);
      } else {
        print(out(), result);
      }
      return RunbooksCli.EXIT_OK;
    }
  }

  /** {@code physical}, or {@code physical/weekly} for a backup of a class. */
  private static String method(RetentionPlan.Backup b) {
    return b.backupClass() == null ? b.method() : b.method() + "/" + b.backupClass();
  }

  public static void print(PrintWriter out, RetentionResult r) {
    RetentionPlan p = r.plan();
    out.println((r.dryRun() ? "dry run: " : "") + "retention of " + p.target() + ": recovery window " + p.recoveryWindowDays()
        + " days (from " + p.windowStart() + "), at least " + p.minFullBackups() + " full backup(s)"
        + (p.classKeepDays() == null || p.classKeepDays().isEmpty() ? "" : ", classes " + String.join(", ",
            new java.util.TreeMap<>(p.classKeepDays()).entrySet().stream().map(c -> c.getKey() + " " + c.getValue() + " d").toList())));
    for (RetentionPlan.Backup b : p.keep()) {
      out.println("  keep    " + b.backupId() + "  " + method(b) + "  finished " + b.finishedAt() + "  (" + b.reason() + ")");
    }
    for (RetentionPlan.Backup b : p.expire()) {
      out.println("  " + (r.dryRun() ? "expire  " : "expired ") + b.backupId() + "  " + method(b) + "  finished "
          + b.finishedAt() + "  " + (b.storedBytes() == null ? "" : Human.bytes(b.storedBytes())) + "  (" + b.reason() + ")");
    }
    if (p.wal() != null) {
      out.println("  " + (r.dryRun() ? "expire  " : "expired ") + "WAL before " + p.wal().keepFrom() + " (needed from there by "
          + p.wal().neededBy() + "): " + p.wal().segments() + " segment(s)"
          + (p.wal().first() == null ? "" : " " + p.wal().first() + " to " + p.wal().last())
          + (p.wal().partials() > 0 ? ", " + p.wal().partials() + " partial segment(s)" : ""));
      if (p.wal().keptBelow() != null) {
        for (RetentionPlan.WalRange k : p.wal().keptBelow()) {
          out.println("  keep    WAL " + k.from() + " to " + k.through() + " (makes " + k.neededBy() + " consistent)");
        }
      }
    }
    p.notes().forEach(n -> out.println("  note: " + n));
    if (p.nothingToDo()) {
      out.println("  nothing to expire");
    } else if (!r.dryRun() && r.manifestLocation() != null) {
      out.println("evidence: " + r.manifestLocation());
    }
  }
}
