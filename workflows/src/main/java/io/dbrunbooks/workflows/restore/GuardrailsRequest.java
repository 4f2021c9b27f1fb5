package io.dbrunbooks.workflows.restore;

/** @param green the restored, checked cluster about to take the traffic */
public record GuardrailsRequest(String target, String restoreId, RestoreEnvironment green) {}
