package io.dbrunbooks.activities.drill;

import io.dbrunbooks.activities.config.PostgresConnection;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGProperty;

/** An ordinary (not replication) connection to a target's server, for the drill's few statements. */
final class SourceConnections {
  private SourceConnections() {}

  static Connection open(PostgresConnection c) throws SQLException, IOException {
    Properties p = new Properties();
    PGProperty.USER.set(p, c.user());
    String password = c.password() == null ? null : c.password().resolve();
    if (password != null) {
      PGProperty.PASSWORD.set(p, password);
    }
    PGProperty.SSL_MODE.set(p, c.sslmode() == null ? "prefer" : c.sslmode());
    PGProperty.CONNECT_TIMEOUT.set(p, 10);
    PGProperty.APPLICATION_NAME.set(p, "db-runbooks-drill");
    return DriverManager.getConnection("jdbc:postgresql://" + c.host() + ":" + c.port() + "/" + c.database(), p);
  }
}
