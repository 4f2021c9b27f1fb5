package io.dbrunbooks.workflows.restore;

/** Stops the restore's cluster and removes its directory; only what this restore created. */
public record TeardownRequest(String target, String restoreId) {}
