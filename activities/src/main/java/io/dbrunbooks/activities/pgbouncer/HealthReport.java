package io.dbrunbooks.activities.pgbouncer;

/**
 * A query through PgBouncer as the application: which server answered, and how fast.
 *
 * @param serverAddress {@code inet_server_addr()} of the session that answered
 * @param serverPort {@code inet_server_port()}: tells blue from green when they share a host
 * @param clusterName {@code cluster_name} of that server ("" when unset)
 * @param inRecovery true when the server is a standby: a promoted green must say false
 * @param queryResult the first value the configured health query returned (null without a query or row)
 * @param millis connect plus queries
 */
public record HealthReport(
    String serverAddress, int serverPort, String clusterName, boolean inRecovery, String queryResult, long millis) {}
