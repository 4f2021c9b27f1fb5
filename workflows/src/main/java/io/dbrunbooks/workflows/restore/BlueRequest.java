package io.dbrunbooks.workflows.restore;

/** Stop or remove blue's server, the one recorded before the switch. */
public record BlueRequest(String target, String restoreId, BlueServer blue) {}
