package io.dbrunbooks.workflows.backup;

public record PrecheckRequest(String target, BackupMethod method) {}
