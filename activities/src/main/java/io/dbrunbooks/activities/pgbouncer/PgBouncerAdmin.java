package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A session on PgBouncer's admin console (the virtual database {@code pgbouncer}). The console
 * understands the simple query protocol only, so pgjdbc runs in {@code preferQueryMode=simple};
 * PgBouncer must ignore pgjdbc's {@code extra_float_digits} startup parameter, as for every JDBC
 * application behind it.
 */
final class PgBouncerAdmin implements AutoCloseable {
  // pgjdbc warns "Unsupported Server Version: 1.18.0/bouncer" on every admin-console login; it is
  // expected, and it buried the worker's log. Held here so the logger (and its level) is not collected.
  private static final java.util.logging.Logger PGJDBC_CONNECTION = java.util.logging.Logger.getLogger("org.postgresql.jdbc.PgConnection");

  static {
    PGJDBC_CONNECTION.setLevel(java.util.logging.Level.SEVERE);
  }

  private final Connection connection;

  private PgBouncerAdmin(Connection connection) {
    this.connection = connection;
  }

  /**
   * Opens a session.
   *
   * @param socketTimeoutSeconds 0 for none: PAUSE waits as long as transactions run, and its
   *     caller bounds the wait itself
   */
  static PgBouncerAdmin connect(PgBouncerConfig cfg, String password, int socketTimeoutSeconds) {
    Properties p = properties(cfg, cfg.admin().user(), password, socketTimeoutSeconds, "db-runbooks");
    p.setProperty("preferQueryMode", "simple");
    try {
      return new PgBouncerAdmin(DriverManager.getConnection(jdbcUrl(cfg, "pgbouncer"), p));
    } catch (SQLException e) {
      throw connectFailed(cfg, e);
    }
  }

  /** pgjdbc settings shared by the admin console and the health check; the password only ever goes here. */
  static Properties properties(PgBouncerConfig cfg, String user, String password, int socketTimeoutSeconds, String application) {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
    p.setProperty("sslmode", cfg.sslmode() == null ? "prefer" : cfg.sslmode());
    p.setProperty("ApplicationName", application);
    return p;
  }

  /** A database behind this PgBouncer ({@code pgbouncer} is the admin console). */
  static String jdbcUrl(PgBouncerConfig cfg, String database) {
    String host = cfg.host().contains(":") && !cfg.host().startsWith("[") ? "[" + cfg.host() + "]" : cfg.host();
    return "jdbc:postgresql://" + host + ":" + cfg.port() + "/" + database;
  }

  /** {@code SHOW what}, each row as column name to text (null stays null). */
  List<Map<String, String>> show(String what) throws SQLException {
    List<Map<String, String>> rows = new ArrayList<>();
    try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SHOW " + what)) {
      ResultSetMetaData m = r.getMetaData();
      while (r.next()) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= m.getColumnCount(); i++) {
          row.put(m.getColumnName(i), r.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** PAUSE, RESUME, RELOAD...: returns when PgBouncer answers, which for PAUSE means every server connection was released. */
  void command(String command) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(command);
    }
  }

  /** Drops the session at once, also while another thread waits in {@link #command}. */
  void abort() {
    try {
      connection.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      // the socket is gone either way
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing to release that the server keeps
    }
  }

  /** A refused login will be refused again; a connection that could not be made may work later. */
  static ApplicationFailure connectFailed(PgBouncerConfig cfg, SQLException e) {
    String where = "PgBouncer admin console at " + cfg.host() + ":" + cfg.port() + " as '" + cfg.admin().user() + "'";
    String msg = String.valueOf(e.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (lower.contains("unsupported startup parameter")) {
      return PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, where + " refused the JDBC login: " + msg
          + "; add 'ignore_startup_parameters = extra_float_digits' to the [pgbouncer] section of pgbouncer.ini and RELOAD");
    }
    if (state.startsWith("28") || lower.contains("authentication failed") || lower.contains("not allowed")
        || lower.contains("no such user")) {
      return PgBouncerFailures.nonRetryable(PgBouncerFailures.AUTHENTICATION_FAILED, where + " was refused: " + msg
          + "; check the password source " + cfg.admin().password() + ", PgBouncer's auth_file and that the user is in admin_users");
    }
    return PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, "cannot reach " + where
        + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")") + ": " + msg);
  }
}
