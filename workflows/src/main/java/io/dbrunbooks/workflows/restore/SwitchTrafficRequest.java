package io.dbrunbooks.workflows.restore;

/**
 * @param to where the alias must point afterwards
 * @param toGreen true for the switchover, false for a rollback: marks (or unmarks) the restore as
 *     serving traffic, so that no teardown removes a cluster PgBouncer sends clients to
 */
public record SwitchTrafficRequest(String target, String restoreId, BackendRef to, boolean toGreen) {}
