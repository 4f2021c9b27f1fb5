package io.dbrunbooks.workflows.restore;

/**
 * One health check through PgBouncer. Failures are reported here, not thrown, so the workflow
 * decides what a failed check means.
 *
 * @param ok the expected server answered, is not in recovery, and the configured query ran
 * @param problem why not, for people; null when ok
 * @param at when the check ran (ISO-8601)
 */
public record HealthOutcome(
    boolean ok,
    String problem,
    String serverAddress,
    int serverPort,
    String clusterName,
    boolean inRecovery,
    String queryResult,
    long millis,
    String at) {}
