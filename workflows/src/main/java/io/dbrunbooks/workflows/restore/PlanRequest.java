package io.dbrunbooks.workflows.restore;

/**
 * @param backupId null to let the plan choose
 * @param notAfter the workflow's clock when it asked (ISO instant): a {@code latest} plan is made as of then
 */
public record PlanRequest(String target, RecoveryTarget recoveryTarget, String backupId, String notAfter) {}
