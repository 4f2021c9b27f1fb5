package io.dbrunbooks.activities.pgbouncer;

/**
 * Where one PgBouncer alias sends its clients, as {@code SHOW DATABASES} or the databases file says:
 * every alias, not only the switched one, so a server still in use by another alias is not stopped.
 *
 * @param host as written; null for PgBouncer's default Unix socket, a path for a socket directory
 * @param source {@code "running"} (SHOW DATABASES) or the databases file's path
 */
public record AliasRoute(String alias, String host, int port, String source) {

  @Override
  public String toString() {
    return "'" + alias + "' -> " + (host == null ? "(Unix socket)" : host) + ":" + port + " (" + source + ")";
  }
}
