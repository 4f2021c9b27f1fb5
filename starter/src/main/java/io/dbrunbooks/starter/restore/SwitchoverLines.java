package io.dbrunbooks.starter.restore;

import io.dbrunbooks.workflows.restore.ApprovalRecord;
import io.dbrunbooks.workflows.restore.BakeReport;
import io.dbrunbooks.workflows.restore.BlueGreenState;
import io.dbrunbooks.workflows.restore.BlueStopped;
import io.dbrunbooks.workflows.restore.HealthOutcome;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.SwitchOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverOutcome;
import io.dbrunbooks.workflows.restore.SwitchoverReport;
import java.io.PrintWriter;

/**
 * The blue-green part of a promote restore for people ({@code restore status}, {@code status},
 * {@code restore start --wait}): approvals, where PgBouncer sends the traffic, the bake, blue's fate,
 * and what to run next. {@code --json} prints the {@link SwitchoverReport} record itself.
 */
public final class SwitchoverLines {
  private SwitchoverLines() {}

  /** The switchover rows of a restore in {@code phase}; then, while the run waits for someone, the command to run. */
  public static void print(PrintWriter out, String target, RestorePhase phase, SwitchoverReport s) {
    // Awaiting approval, the hint at the end names the approvers and the deadline.
    if (phase != RestorePhase.AWAIT_APPROVAL && (!s.approvers().isEmpty() || s.approvalDeadline() != null)) {
      RestoreRuns.row(out, "approvers", String.join(", ", s.approvers())
          + (s.approvalDeadline() == null ? "" : "; approval deadline " + s.approvalDeadline()));
    }
    for (ApprovalRecord a : s.approvals()) {
      RestoreRuns.row(out, "approved", a.kind() + " by " + a.approver() + " at " + a.at()
          + (a.comment() == null || a.comment().isBlank() ? "" : ": " + a.comment()));
    }
    BlueGreenState state = s.state();
    if (state != null) {
      RestoreRuns.row(out, "pgbouncer", state.pgbouncer() + " database " + state.database() + ": blue " + state.blue()
          + ", green " + state.green());
    }
    RestoreRuns.row(out, "traffic", traffic(s));
    HealthOutcome h = s.afterSwitch();
    if (h != null) {
      RestoreRuns.row(out, "health", h.ok()
          ? "ok through PgBouncer after the switch (" + h.serverAddress() + ":" + h.serverPort()
              + (h.clusterName() == null ? "" : ", cluster " + h.clusterName()) + ", " + h.millis() + " ms)"
          : "FAILED after the switch: " + h.problem());
    }
    if (s.bakeUntil() != null) {
      RestoreRuns.row(out, "bake", "until " + s.bakeUntil() + (s.bake() == null ? "" : "; " + bake(s.bake())));
    }
    BlueStopped b = s.blueStopped();
    if (b != null) {
      RestoreRuns.row(out, "blue", (b.wasRunning() ? "stopped" : "was already stopped") + ", last checkpoint " + b.lsn()
          + ", data " + b.dataDirectory() + (s.keepBlueUntil() == null ? "" : ", kept until " + s.keepBlueUntil()));
    }
    if (s.decommissionWorkflowId() != null) {
      RestoreRuns.row(out, "kept by", s.decommissionWorkflowId() + "; see runbooks status "
          + s.decommissionWorkflowId());
    }
    for (String ignored : s.ignored()) {
      RestoreRuns.row(out, "ignored", ignored);
    }
    if (s.stopRequest() != null) {
      RestoreRuns.row(out, "stop", s.stopRequest());
    }
    if (s.outcome() != null) {
      RestoreRuns.row(out, "outcome", outcome(s.outcome()));
    }
    if (s.manifest() != null) {
      RestoreRuns.row(out, "evidence", s.manifest().location() + " (switchover manifest)");
      if (s.outcome() == SwitchoverOutcome.PROMOTED && s.state() != null) {
        RestoreRuns.row(out, "target", "backups and the WAL archiver now connect to " + s.state().green().host() + ":"
            + s.state().green().port() + (s.state().targetConnection() == null ? ""
                : " instead of " + s.state().targetConnection()) + ", as this manifest says");
      }
    }
    if (phase == RestorePhase.AWAIT_APPROVAL) {
      printApprovalHint(out, target, s);
    } else if (phase == RestorePhase.BAKE) {
      out.println("roll back to blue with: runbooks restore rollback --target " + target + " --reason TEXT");
    } else if (s.decommissionWorkflowId() != null && s.outcome() == SwitchoverOutcome.PROMOTED) {
      out.println("remove blue (after the keep period) with: runbooks restore approve-decommission --target " + target
          + " --approver <name>");
    }
  }

  /** How to approve (and whom, and by when) or abort a restore that awaits approval. */
  public static void printApprovalHint(PrintWriter out, String target, SwitchoverReport s) {
    out.println("the restored copy of " + target + " awaits approval to take the traffic"
        + (s == null || s.approvalDeadline() == null ? "" : " until " + s.approvalDeadline()
            + " (then the restore aborts and cleans up)"));
    if (s != null && !s.approvers().isEmpty()) {
      out.println("approvers: " + String.join(", ", s.approvers()) + " (not the operator who started the restore)");
    }
    out.println("approve with: runbooks restore approve --target " + target + " --approver <name>");
    out.println("or abort with: runbooks restore abort --target " + target + " --reason TEXT");
  }

  /** Where PgBouncer sends the alias's traffic now. */
  public static String traffic(SwitchoverReport s) {
    if (s.toBlue() != null) {
      return "on blue again (switched back" + held(s.toBlue()) + ")";
    }
    if (s.toGreen() != null) {
      return "on green (switched from " + s.toGreen().from() + " to " + s.toGreen().to() + held(s.toGreen()) + ")";
    }
    return "on blue (not switched)";
  }

  private static String held(SwitchOutcome o) {
    return o.changed() ? ", new transactions held " + o.pausedMillis() + " ms" : ", it already pointed there";
  }

  private static String bake(BakeReport b) {
    return (b.healthy() ? "healthy" : "UNHEALTHY") + ", " + b.checks() + " health check(s), " + b.failures() + " failed"
        + (b.consecutiveFailures() > 0 ? " (" + b.consecutiveFailures() + " in a row)" : "")
        + (b.lastFailure() == null ? "" : "; last failure: " + b.lastFailure().problem());
  }

  public static String outcome(SwitchoverOutcome o) {
    return switch (o) {
      case PROMOTED -> "promoted: traffic on green";
      case ABORTED -> "aborted before the switch";
      case ROLLED_BACK -> "rolled back: traffic on blue";
    };
  }
}
