package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/**
 * What one freshness check saw, with the target's limits: the facts the workflow judges.
 *
 * @param observedAt the activity's clock when it looked, ISO-8601
 * @param backupsRead false when the catalog or the backup runs' trails could not be read: the
 *     backup alerts are then neither raised nor resolved
 * @param newestBackup null when the target has no sealed backup in the store
 * @param lastAttempt null when no backup run has finished yet
 * @param wal the WAL archive and its archiver; null when the target has no WAL archive (the
 *     archiver never ran): its alerts do not apply
 * @param openAlerts the target's alert book as the check found it
 * @param problems facts that could not be read, one sentence each
 */
public record FreshnessObservation(
    String target, String observedAt, long backupMaxAgeSeconds, long walArchiveMaxLagSeconds, boolean backupsRead,
    BackupFreshness newestBackup,
    BackupAttempt lastAttempt, WalObservation wal, List<OpenAlert> openAlerts, List<String> problems) {
  public FreshnessObservation {
    openAlerts = openAlerts == null ? List.of() : List.copyOf(openAlerts);
    problems = problems == null ? List.of() : List.copyOf(problems);
  }
}
