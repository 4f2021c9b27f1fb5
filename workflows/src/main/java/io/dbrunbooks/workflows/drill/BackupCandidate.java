package io.dbrunbooks.workflows.drill;

/**
 * A sealed physical backup whose artifact is in the store, as its manifest describes it. Whether it
 * really restores is what the drill finds out: the restore's plan verifies signature and checksums.
 */
public record BackupCandidate(String backupId, String sealedAt, String finishedAt, String stopLsn, int timeline) {}
