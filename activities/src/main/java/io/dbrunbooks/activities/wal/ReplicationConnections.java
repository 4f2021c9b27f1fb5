package io.dbrunbooks.activities.wal;

import io.dbrunbooks.activities.config.PostgresConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGProperty;

/** Physical replication connections for the {@link WalStreamer}. */
public final class ReplicationConnections {
  /** How the archiver's walsenders show in {@code pg_stat_replication.application_name}. */
  public static final String APPLICATION_NAME = "db-runbooks-wal-archiver";

  private ReplicationConnections() {}

  /**
   * pgjdbc's settings for a physical walsender: {@code replication=true} (not a database one),
   * simple query protocol (the walsender speaks no extended protocol), no version probing.
   */
  public static Properties properties(String user, String password, String sslmode) {
    Properties p = new Properties();
    PGProperty.USER.set(p, user);
    if (password != null) {
      PGProperty.PASSWORD.set(p, password);
    }
    PGProperty.REPLICATION.set(p, "true");
    PGProperty.PREFER_QUERY_MODE.set(p, "simple");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
    PGProperty.SSL_MODE.set(p, sslmode == null ? "prefer" : sslmode);
    PGProperty.CONNECT_TIMEOUT.set(p, 10);
    PGProperty.APPLICATION_NAME.set(p, APPLICATION_NAME);
    return p;
  }

  /** Opens one to the target's server; {@code password} is the resolved secret, or null. */
  public static Connection open(PostgresConnection c, String password) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + c.host() + ":" + c.port() + "/" + c.database(),
        properties(c.user(), password, c.sslmode()));
  }
}
