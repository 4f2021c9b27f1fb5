package io.dbrunbooks.workflows.retention;

/** A retention run: the plan, and unless it was a dry run what was removed and where the evidence is sealed. */
public record RetentionResult(RetentionPlan plan, boolean dryRun, RetentionOutcome outcome, String manifestLocation) {}
