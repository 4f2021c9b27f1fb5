package io.dbrunbooks.workflows.restore;

/** @param neededBytes what the plan expects to write: base backup (uncompressed) plus WAL */
public record ProvisionRequest(String target, String restoreId, long neededBytes) {}
