package io.dbrunbooks.workflows.restore;

/**
 * An approval the workflow accepted; also what the update returns.
 *
 * @param kind {@code switchover} or {@code decommission}
 * @param at workflow time the update was accepted (ISO-8601)
 */
public record ApprovalRecord(String kind, String approver, String comment, String at) {}
