package io.dbrunbooks.workflows.backup;

public record VerifyRequest(String target, BackupArtifact artifact) {}
