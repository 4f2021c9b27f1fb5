package io.dbrunbooks.workflows.backup;

/** Deletes every stored artifact of one backup, complete or partial. Never touches evidence. */
public record DeleteArtifactsRequest(String target, String backupId) {}
