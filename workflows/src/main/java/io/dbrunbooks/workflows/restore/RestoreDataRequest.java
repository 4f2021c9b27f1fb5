package io.dbrunbooks.workflows.restore;

public record RestoreDataRequest(String target, RestorePlan plan, RestoreEnvironment environment) {}
