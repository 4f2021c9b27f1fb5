package io.dbrunbooks.activities.config;

/**
 * The PgBouncer that applications reach a target through, for the blue-green switchover. In the
 * targets file (read by {@link TargetsConfigLoader}):
 *
 * <pre>{@code
 *     pgbouncer:
 *       host: 10.0.0.5                               # PgBouncer's listener, as the worker reaches it
 *       port: 6432
 *       sslmode: prefer                              # optional, as for connection.sslmode
 *       admin:
 *         user: runbooks                             # listed in admin_users of pgbouncer.ini
 *         password: { env: PGBOUNCER_ADMIN_PASSWORD }
 *       databasesFile: /etc/pgbouncer/databases.ini  # holds [databases]; %include'd by pgbouncer.ini
 *       database: orders                             # the alias applications connect to
 *       pauseTimeoutSeconds: 30                      # optional, > 0 and <= 120, default 30
 *       healthCheck:
 *         user: orders_app                           # a role PgBouncer lets through (auth_file)
 *         password: { file: /run/secrets/orders-app }
 *         query: SELECT count(*) FROM orders         # optional, run after SELECT 1
 * }</pre>
 *
 * <p>The worker rewrites {@code databasesFile} itself, so the switch activities must run on
 * PgBouncer's host (a per-host task queue). PgBouncer must have {@code ignore_startup_parameters =
 * extra_float_digits}, as for any JDBC client, and should use {@code pool_mode = transaction}: with
 * session pooling PAUSE waits for clients to disconnect, not for their transactions to end.
 *
 * @param databasesFile absolute path; only the {@code database} line is ever changed
 * @param pauseTimeoutSeconds how long PAUSE may wait for transactions in flight before the switch
 *     gives up, resumes traffic on the old backend and fails; at most {@value
 *     TargetsConfigLoader#MAX_PAUSE_TIMEOUT_SECONDS}, so the switch activity's 3-minute start-to-close
 *     timeout outlasts PAUSE plus the rest of the switch
 */
public record PgBouncerConfig(
    String host,
    int port,
    String sslmode,
    Login admin,
    String databasesFile,
    String database,
    double pauseTimeoutSeconds,
    HealthCheck healthCheck) {

  public static final double DEFAULT_PAUSE_TIMEOUT_SECONDS = 30;

  /** A role and where its password comes from; {@code toString} names the source, never the value. */
  public record Login(String user, SecretRef password) {}

  /** @param query optional (null): a statement whose first value the health report carries */
  public record HealthCheck(String user, SecretRef password, String query) {}

  /** The same PgBouncer, with another pause timeout (tests and the benchmark). */
  public PgBouncerConfig withPauseTimeoutSeconds(double seconds) {
    return new PgBouncerConfig(host, port, sslmode, admin, databasesFile, database, seconds, healthCheck);
  }

  /** The same PgBouncer, with the alias's line in another file. */
  public PgBouncerConfig withDatabasesFile(String file) {
    return new PgBouncerConfig(host, port, sslmode, admin, file, database, pauseTimeoutSeconds, healthCheck);
  }
}
