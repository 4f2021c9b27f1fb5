package io.dbrunbooks.workflows.retention;

import java.util.List;

/**
 * What a retention run keeps and expires, decided once from the sealed catalog and the WAL archive.
 *
 * @param recoveryWindowDays the policy: any moment in the last this-many days stays restorable
 * @param minFullBackups the policy: at least this many base backups (and dumps) are kept whatever their age
 * @param windowStart the oldest moment that must stay restorable (ISO-8601)
 * @param keep backups kept, newest first, each with the rule that keeps it
 * @param expire backups whose artifacts go; their sealed manifests stay
 * @param wal WAL that no kept base backup needs, or null when none goes
 * @param notes what the planner could not decide and left alone (unreadable manifests, no base backup yet)
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
    List<String> notes) {

  /** One sealed backup and the reason for its fate. */
  public record Backup(String backupId, String method, String finishedAt, Long storedBytes, String sha256,
      List<String> artifactKeys, String reason) {}

  /**
   * Complete segments and partials before {@code keepFrom} go (every timeline): recovery from the
   * oldest kept base backup never reads WAL before its start.
   */
  public record WalExpiry(String keepFrom, String neededBy, int segments, int partials, String first, String last) {}

  public boolean nothingToDo() {
    return expire.isEmpty() && wal == null;
  }
}
