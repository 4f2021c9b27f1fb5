package io.dbrunbooks.workflows.backup;

import java.util.List;

/**
 * What verification re-read and checked. Fields read from the backup itself ({@code backup_label},
 * {@code backup_manifest}) are null for logical backups.
 *
 * @param tool {@code pg_verifybackup} or {@code pg_restore --list}
 * @param checks one human line per check that passed, in order
 * @param startWal first WAL segment the backup needs
 * @param stopWal last WAL segment the backup needs
 * @param backupStartTime START TIME from {@code backup_label}
 * @param backupStopTime when the tool finished, from the artifact
 * @param archiveEntries entries in the tar (physical) or table of contents (logical)
 */
public record VerificationReport(
    String backupId,
    String sha256,
    String sourceSha256,
    long sourceBytes,
    String tool,
    List<String> checks,
    String startLsn,
    String stopLsn,
    String startWal,
    String stopWal,
    int timeline,
    String backupStartTime,
    String backupStopTime,
    int archiveEntries,
    String verifiedAt) {}
