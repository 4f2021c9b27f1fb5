package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.restore.Approval;
import io.dbrunbooks.workflows.restore.ApprovalRecord;
import io.dbrunbooks.workflows.restore.DecommissionProgress;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks restore approve}: the running promote restore's {@code approve} update; {@code
 * approve-decommission}: the {@code approve-decommission} update of the decommission workflow a
 * promoted restore left. The workflows decide who may approve and when; a refusal is printed as the
 * workflow words it and exits 2.
 */
public abstract class RestoreApprovalCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name.")
  public String target;

  @Option(names = "--approver", paramLabel = "NAME", description = "Who approves (default $USER): on the target's"
      + " switchover.approvers list, and not the operator who started the restore.")
  public String approver;

  @Option(names = "--comment", paramLabel = "TEXT", description = "Recorded with the approval in the audit trail.")
  public String comment;

  /** The update's name in {@code PointInTimeRestoreWorkflow}. */
  public abstract String updateName();

  /** What is approved, for people. */
  public abstract String what();

  @Override
  public Integer call() {
    String who = approver != null ? approver : cli().user();
    try (TemporalConnection connection = cli().connect()) {
      RunningRestore run = find(connection);
      RestoreProgress before = decommission() ? null : run.progress();
      ApprovalRecord accepted = run.update(updateName(), ApprovalRecord.class, new Approval(who, comment));
      if (decommission()) {
        DecommissionProgress now = run.query(DecommissionProgress.class);
        if (json()) {
          printJson(Map.of("workflowId", run.workflowId, "runId", run.runId, "approval", accepted, "progress", now));
        } else {
          out().println("approved removing blue of " + target + " as " + accepted.approver() + " at " + accepted.at()
              + " (workflow " + run.workflowId + ")");
          if (now != null) {
            out().println("blue " + now.blue().dataDirectory() + " goes once its keep period ends, at " + now.keepBlueUntil());
          }
          out().println("follow it with: runbooks status " + run.workflowId);
        }
        return RunbooksCli.EXIT_OK;
      }
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

  public RunningRestore find(TemporalConnection connection) {
    return RunningRestore.find(connection.client(), target);
  }

  public boolean decommission() {
    return false;
  }

  @Command(name = "approve", description = {
      "Approve the switch of traffic to a promote restore's checked cluster (update 'approve' of restore/<target>).",
      "Accepted only while it awaits approval, from someone on the target's approver list who did not start it; a"
          + " refusal prints the restore's reason and exits 2. No restore of the target running: exit 1."})
  public static final class Approve extends RestoreApprovalCommand {
    @Override
    public String updateName() {
      return "approve";
    }

    @Override
    public String what() {
      return "the switchover";
    }
  }

  @Command(name = "approve-decommission", description = {
      "Approve removing the stopped blue cluster a promoted restore left (update 'approve-decommission' of its"
          + " decommission/<restore id> workflow); blue is removed once its keep period has also passed.",
      "Without --restore-id, the restore is the target's last one. Same rules and exit codes as approve."})
  public static final class ApproveDecommission extends RestoreApprovalCommand {
    @Option(names = "--restore-id", paramLabel = "ID", description = "The promoted restore whose blue to remove"
        + " (default: the target's last restore).")
    String restoreId;

    @Override
    public RunningRestore find(TemporalConnection connection) {
      return RunningRestore.decommission(connection.client(), target, restoreId);
    }

    @Override
    public boolean decommission() {
      return true;
    }

    @Override
    public String updateName() {
      return "approve-decommission";
    }

    @Override
    public String what() {
      return "removing blue";
    }
  }
}
