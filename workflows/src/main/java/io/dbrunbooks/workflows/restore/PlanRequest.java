package io.dbrunbooks.workflows.restore;

/** @param backupId null to let the plan choose */
public record PlanRequest(String target, RecoveryTarget recoveryTarget, String backupId) {}
