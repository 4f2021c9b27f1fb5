package io.dbrunbooks.workflows.restore;

/**
 * A health check through PgBouncer, as the application connects.
 *
 * @param expected the backend that must answer (its port tells blue from green on one host)
 * @param expectedClusterName {@code cluster_name} the answering server must report; null: not checked
 */
public record HealthRequest(String target, BackendRef expected, String expectedClusterName) {}
