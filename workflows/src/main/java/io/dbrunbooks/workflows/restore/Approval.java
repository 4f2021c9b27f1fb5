package io.dbrunbooks.workflows.restore;

/**
 * Input of the {@code approve} and {@code approve-decommission} updates.
 *
 * @param approver who approves; must be on the target's {@code switchover.approvers} list and must
 *     not be the operator who started the restore. Temporal does not authenticate this name: restrict
 *     who may send updates with the server's authorizer, and read the audit trail.
 * @param comment optional, recorded in the audit trail
 */
public record Approval(String approver, String comment) {}
