package io.dbrunbooks.workflows.restore;

/**
 * How the bake went.
 *
 * @param healthy true when the bake period ran out without {@code maxConsecutiveFailures} failed checks in a row
 * @param lastFailure the last failed check (null when none failed)
 */
public record BakeReport(boolean healthy, int checks, int failures, int consecutiveFailures, HealthOutcome lastFailure) {}
