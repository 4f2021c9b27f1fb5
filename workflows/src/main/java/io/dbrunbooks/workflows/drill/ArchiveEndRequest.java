package io.dbrunbooks.workflows.drill;

/** Where the target's WAL archive ends on {@code timeline}, now. */
public record ArchiveEndRequest(String target, int timeline) {}
