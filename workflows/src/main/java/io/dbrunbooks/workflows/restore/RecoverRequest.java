package io.dbrunbooks.workflows.restore;

public record RecoverRequest(String target, RestorePlan plan, RestoreEnvironment environment) {}
