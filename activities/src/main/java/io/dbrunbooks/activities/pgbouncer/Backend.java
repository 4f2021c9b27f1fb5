package io.dbrunbooks.activities.pgbouncer;

/**
 * A PostgreSQL server and database that a PgBouncer alias points at: blue or green. Host is kept
 * as PgBouncer's configuration spells it, so it compares equal to what {@code SHOW DATABASES} says.
 */
public record Backend(String host, int port, String dbname) {

  public Backend {
    if (host == null || host.isBlank() || port < 1 || port > 65535 || dbname == null || dbname.isBlank()) {
      throw new IllegalArgumentException("a backend needs a host, a port 1-65535 and a database name, got "
          + host + ":" + port + "/" + dbname);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port + "/" + dbname;
  }
}
