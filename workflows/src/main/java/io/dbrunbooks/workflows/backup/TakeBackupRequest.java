package io.dbrunbooks.workflows.backup;

/**
 * @param backupId chosen by the workflow, so a retried activity writes the same artifact again
 *     instead of a second backup
 */
public record TakeBackupRequest(String target, String backupId, BackupMethod method) {}
