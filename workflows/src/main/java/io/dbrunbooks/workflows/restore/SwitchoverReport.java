package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.SealedManifest;
import java.util.List;

/**
 * The blue-green part of a promote restore: in the {@code progress} query while it runs, in the
 * result and the sealed switchover manifest when it ends. Times are ISO-8601 workflow times.
 *
 * @param outcome null while running (and when the run failed: see the phase and error)
 * @param approvalDeadline when an unapproved restore aborts and cleans up
 * @param approvals accepted {@code approve} updates
 * @param stopRequest the abort or rollback that stopped the run, {@code "<abort|rollback> by <who>: <reason>"}
 * @param toGreen the switch to green; null until it happened
 * @param afterSwitch the health check through PgBouncer right after the switch
 * @param bakeUntil when blue is stopped if green stays healthy
 * @param toBlue the switch back to blue (rollback or compensation); null when none
 * @param keepBlueUntil stopped blue is kept at least until then
 * @param decommissionWorkflowId the {@link BlueDecommissionWorkflow} that keeps and later removes blue
 * @param manifest the sealed switchover manifest; null until sealed
 * @param ignored abort and rollback signals that came too late (or too early) to act on, and why
 */
public record SwitchoverReport(
    SwitchoverOutcome outcome,
    List<String> approvers,
    String approvalDeadline,
    List<ApprovalRecord> approvals,
    String stopRequest,
    BlueGreenState state,
    SwitchOutcome toGreen,
    HealthOutcome afterSwitch,
    String bakeUntil,
    BakeReport bake,
    SwitchOutcome toBlue,
    BlueStopped blueStopped,
    String keepBlueUntil,
    String decommissionWorkflowId,
    SealedManifest manifest,
    List<String> ignored) {

  public SwitchoverReport {
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
    ignored = ignored == null ? List.of() : List.copyOf(ignored);
  }
}
