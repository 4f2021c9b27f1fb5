package io.dbrunbooks.workflows.restore;

/**
 * A PostgreSQL server and database as PgBouncer's {@code [databases]} line names it: blue (where
 * the alias points before the switch) or green (the restored cluster).
 */
public record BackendRef(String host, int port, String dbname) {
  @Override
  public String toString() {
    return host + ":" + port + "/" + dbname;
  }
}
