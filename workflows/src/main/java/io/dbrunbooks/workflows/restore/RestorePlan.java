package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.backup.BackupArtifact;
import java.util.List;

/**
 * Which base backup and which WAL a restore uses, checked before anything is provisioned.
 *
 * @param manifestLocation registry URI of the backup's sealed manifest, whose signature was verified
 * @param artifact the base backup as its manifest records it (stored bytes re-hashed and matched)
 * @param backupStartLsn WAL location the base backup starts at
 * @param backupStopLsn WAL location where the base backup is consistent
 * @param backupStartTime when the base backup started ({@code backup_label} START TIME)
 * @param backupStopTime when the base backup finished
 * @param walFirstSegment first WAL segment recovery reads (the one holding {@code backupStartLsn})
 * @param walLastSegment last segment whose presence was checked: the one holding the recovery target
 *     LSN, or for a time, a restore point or {@code latest} the last one archived
 * @param walCheckedToLsn end (exclusive) of the WAL range checked for gaps
 * @param walSegments complete or partial segments in that range
 * @param walBytes those segments' size (uncompressed), a bound on the WAL replayed
 * @param bytesToMove stored bytes of the base backup plus {@code walBytes}: what a restore reads
 * @param provenance one human line per provenance check that passed
 * @param skipped newer backups the plan passed over, and why (an unreadable manifest, a missing
 *     artifact, another timeline); never null, empty in plans recorded before it existed
 */
public record RestorePlan(
    String target,
    String backupId,
    String manifestLocation,
    BackupArtifact artifact,
    int timeline,
    String backupStartLsn,
    String backupStopLsn,
    String backupStartTime,
    String backupStopTime,
    RecoveryTarget recoveryTarget,
    String walFirstSegment,
    String walLastSegment,
    String walCheckedToLsn,
    long walSegments,
    long walBytes,
    long bytesToMove,
    List<String> provenance,
    // Last, and null in histories written before it: read as empty.
    List<SkippedBackup> skipped) {

  public RestorePlan {
    skipped = skipped == null ? List.of() : List.copyOf(skipped);
  }
}
