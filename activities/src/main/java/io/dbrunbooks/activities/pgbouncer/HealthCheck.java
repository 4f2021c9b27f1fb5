package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A query through PgBouncer as the application would send it; see {@link PgBouncerSwitch#healthCheck()}. */
final class HealthCheck {
  private HealthCheck() {}

  static HealthReport run(PgBouncerConfig cfg) {
    PgBouncerConfig.HealthCheck hc = cfg.healthCheck();
    if (hc == null) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED,
          "no pgbouncer.healthCheck (user, password) is configured for database '" + cfg.database() + "'");
    }
    Properties p = PgBouncerAdmin.properties(cfg, hc.user(), PgBouncerFailures.secret(hc.password(), "health check password"),
        30, "db-runbooks-health");
    // Transaction pooling hands each transaction to any server connection: no named prepared statements.
    p.setProperty("prepareThreshold", "0");
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(PgBouncerAdmin.jdbcUrl(cfg, cfg.database()), p);
        Statement s = c.createStatement()) {
      String addr;
      int port;
      String cluster;
      boolean recovery;
      try (ResultSet r = s.executeQuery("SELECT 1, coalesce(host(inet_server_addr()), ''), inet_server_port(),"
          + " current_setting('cluster_name'), pg_is_in_recovery()")) {
        r.next();
        addr = r.getString(2);
        port = r.getInt(3);
        cluster = r.getString(4);
        recovery = r.getBoolean(5);
      }
      String result = null;
      if (hc.query() != null && !hc.query().isBlank()) {
        try (ResultSet r = s.executeQuery(hc.query())) {
          result = r.next() ? r.getString(1) : null;
        }
      }
      return new HealthReport(addr, port, cluster, recovery, result, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.HEALTH_CHECK_FAILED, "health check of database '" + cfg.database()
          + "' through PgBouncer at " + cfg.host() + ":" + cfg.port() + " as '" + hc.user() + "' failed"
          + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")") + ": " + e.getMessage());
    }
  }
}
