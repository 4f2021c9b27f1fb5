package io.dbrunbooks.workflows.restore;

/**
 * Input of the {@code abort} and {@code rollback} signals.
 *
 * @param by who asks; recorded in the audit trail
 * @param reason why; recorded in the audit trail and the notification
 */
public record OperatorAction(String by, String reason) {}
