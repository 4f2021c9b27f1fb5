package io.dbrunbooks.workflows.restore;

/**
 * The bake: health checks through PgBouncer every {@code intervalSeconds} until {@code untilEpochMillis},
 * or until {@code maxConsecutiveFailures} checks in a row failed.
 */
public record WatchHealthRequest(
    String target,
    BackendRef expected,
    String expectedClusterName,
    long untilEpochMillis,
    int intervalSeconds,
    int maxConsecutiveFailures) {}
