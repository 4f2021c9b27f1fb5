package io.dbrunbooks.starter;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.restore.Approval;
import io.dbrunbooks.workflows.restore.ApprovalRecord;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks restore approve} and {@code approve-decommission}: the running promote restore's
 * {@code approve} or {@code approve-decommission} update. The workflow decides who may approve and
 * when; a refusal is printed as the workflow words it and exits 2.
 */
abstract class RestoreApprovalCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name.")
  String target;

  @Option(names = "--approver", paramLabel = "NAME", description = "Who approves (default $USER): on the target's"
      + " switchover.approvers list, and not the operator who started the restore.")
  String approver;

  @Option(names = "--comment", paramLabel = "TEXT", description = "Recorded with the approval in the audit trail.")
  String comment;

  /** The update's name in {@code PointInTimeRestoreWorkflow}. */
  abstract String updateName();

  /** What is approved, for people. */
  abstract String what();

  @Override
  public Integer call() {
    String who = approver != null ? approver : cli().user();
    try (TemporalConnection connection = cli().connect()) {
      RunningRestore run = RunningRestore.find(connection.client(), target);
      RestoreProgress before = run.progress();
      ApprovalRecord accepted = run.update(updateName(), ApprovalRecord.class, new Approval(who, comment));
      RunningRestore.After after = run.afterwards(before, Duration.ZERO);
      if (json()) {
        printJson(run.json(Map.of("approval", accepted), after));
      } else {
        out().println("approved " + what() + " of the restore of " + target + " as " + accepted.approver() + " at " + accepted.at()
            + " (workflow " + run.workflowId + ", run " + run.runId + ")");
        run.print(out(), after);
      }
      return RunbooksCli.EXIT_OK;
    }
  }

  @Command(name = "approve", description = {
      "Approve the switch of traffic to a promote restore's checked cluster (update 'approve' of restore/<target>).",
      "Accepted only while it awaits approval, from someone on the target's approver list who did not start it;",
      "a refusal prints the restore's reason and exits 2. No restore of the target running: exit 1."})
  static final class Approve extends RestoreApprovalCommand {
    @Override
    String updateName() {
      return "approve";
    }

    @Override
    String what() {
      return "the switchover";
    }
  }

  @Command(name = "approve-decommission", description = {
      "Approve removing a promote restore's stopped blue cluster (update 'approve-decommission' of restore/<target>);",
      "blue is removed once its keep period has also passed. Same rules and exit codes as approve."})
  static final class ApproveDecommission extends RestoreApprovalCommand {
    @Override
    String updateName() {
      return "approve-decommission";
    }

    @Override
    String what() {
      return "removing blue";
    }
  }
}
