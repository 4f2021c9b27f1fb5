package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.restore.RecoveryTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * The drill's choices, pure so that a unit test can hold them to their rules: which backup, and
 * where recovery stops. The randomness is the workflow's ({@code Workflow.newRandom()}): the same
 * on replay.
 */
final class DrillSelection {
  private DrillSelection() {}

  /** The newest candidate, or a random one sealed within the window; null when there is none. */
  static BackupCandidate backup(List<BackupCandidate> newestFirst, BackupSelection how, int windowDays, long nowMillis,
      Random random) {
    if (how == BackupSelection.NEWEST) {
      return newestFirst.isEmpty() ? null : newestFirst.get(0);
    }
    Instant since = Instant.ofEpochMilli(nowMillis).minus(Duration.ofDays(windowDays));
    List<BackupCandidate> inWindow = newestFirst.stream()
        .filter(b -> b.sealedAt() != null && !Instant.parse(b.sealedAt()).isBefore(since)).toList();
    return inWindow.isEmpty() ? null : inWindow.get(random.nextInt(inWindow.size()));
  }

  /**
   * {@code latest}: the archive's end at the loss, as an LSN target, so WAL archived after the loss
   * (the source keeps running during a drill) is not replayed. Recovery stops on the first record at
   * or after that end, which the marker guarantees once it is archived; when it is not (no marker,
   * or an archiver that does not move), the archive's end at restore time ({@code latest}). {@code random}: a position between the backup's consistency
   * point and the archive's end at the loss.
   */
  static RecoveryTarget recoveryTarget(DrillRecovery how, LossMoment loss, BackupCandidate backup, Random random,
      boolean markerArchived) {
    if (loss.archiveEndLsn() == null) {
      return RecoveryTarget.latest(); // the plan refuses: there is no archive to recover from
    }
    long end = RecoveryPointGap.lsn(loss.archiveEndLsn());
    if (how == DrillRecovery.LATEST) {
      return markerArchived ? RecoveryTarget.lsn(loss.archiveEndLsn()) : RecoveryTarget.latest();
    }
    long from = backup.stopLsn() == null ? end : RecoveryPointGap.lsn(backup.stopLsn());
    long at = end <= from ? from : from + (long) (random.nextDouble() * (end - from));
    return RecoveryTarget.lsn(RecoveryPointGap.lsn(at));
  }
}
