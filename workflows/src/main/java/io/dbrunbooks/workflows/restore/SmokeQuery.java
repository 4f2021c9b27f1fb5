package io.dbrunbooks.workflows.restore;

/**
 * A query run against the restored cluster; an error fails the restore's checks, the rows are
 * recorded. Read-only by intent: it runs after recovery, so nothing stops it from writing, but the
 * restored copy is evidence.
 *
 * @param name short label for reports; defaults to the SQL
 * @param database database to run it in; defaults to the target's configured database
 */
public record SmokeQuery(String name, String database, String sql) {}
