package io.dbrunbooks.workflows.retention;

import java.util.List;
import java.util.Map;

/**
 * What a retention run keeps and expires, decided once from the sealed catalog and the WAL archive.
 *
 * @param recoveryWindowDays the policy: any moment in the last this-many days stays restorable
 * @param minFullBackups the policy: at least this many base backups (and dumps) are kept whatever their age
 * @param windowStart the oldest moment that must stay restorable (ISO-8601)
 * @param keep backups kept, newest first, each with every rule that keeps it
 * @param expire backups whose artifacts go; their sealed manifests stay
 * @param wal WAL that no kept backup needs, or null when none goes
 * @param notes what the planner could not decide and left alone (unreadable manifests, no base backup yet)
 * @param classKeepDays the policy: each backup class's own period in days; empty (or null in plans
 *     recorded before classes) when there are none
 */
public record RetentionPlan(
    String target,
    int recoveryWindowDays,
    int minFullBackups,
    String plannedAt,
    String windowStart,
    List<Backup> keep,
    List<Backup> expire,
    WalExpiry wal,
    List<String> notes,
    Map<String, Integer> classKeepDays) {

  /** A plan of a policy without classes. */
  public RetentionPlan(String target, int recoveryWindowDays, int minFullBackups, String plannedAt, String windowStart,
      List<Backup> keep, List<Backup> expire, WalExpiry wal, List<String> notes) {
    this(target, recoveryWindowDays, minFullBackups, plannedAt, windowStart, keep, expire, wal, notes, Map.of());
  }

  /**
   * One sealed backup and the reason for its fate.
   *
   * @param backupClass the class it was taken as, or null when unclassed
   */
  public record Backup(String backupId, String method, String finishedAt, Long storedBytes, String sha256,
      List<String> artifactKeys, String reason, String backupClass) {

    /** An unclassed backup. */
    public Backup(String backupId, String method, String finishedAt, Long storedBytes, String sha256,
        List<String> artifactKeys, String reason) {
      this(backupId, method, finishedAt, storedBytes, sha256, artifactKeys, reason, null);
    }
  }

  /**
   * Complete segments and partials numbered before {@code keepFrom} go (every timeline), except
   * those inside a {@code keptBelow} range: recovery to any moment from the oldest base backup kept
   * for point-in-time recovery on needs everything from {@code keepFrom}; an older backup kept only
   * for its class needs just the WAL that makes it consistent, its own start to stop.
   *
   * @param keptBelow ranges below {@code keepFrom} that stay; empty (or null in plans recorded
   *     before classes) when none
   */
  public record WalExpiry(String keepFrom, String neededBy, int segments, int partials, String first, String last,
      List<WalRange> keptBelow) {

    /** Everything below {@code keepFrom} goes. */
    public WalExpiry(String keepFrom, String neededBy, int segments, int partials, String first, String last) {
      this(keepFrom, neededBy, segments, partials, first, last, List.of());
    }
  }

  /**
   * WAL segments {@code from} to {@code through} (inclusive, every timeline) that backup
   * {@code neededBy} needs to become consistent.
   */
  public record WalRange(String from, String through, String neededBy) {}

  public boolean nothingToDo() {
    return expire.isEmpty() && wal == null;
  }
}
