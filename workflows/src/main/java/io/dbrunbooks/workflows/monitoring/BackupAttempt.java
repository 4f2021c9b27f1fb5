package io.dbrunbooks.workflows.monitoring;

/**
 * The newest backup run of a target that has finished, as its audit trail tells.
 *
 * @param outcome {@code succeeded} (sealed) or {@code failed} (its trail ends in {@code backup.failed})
 * @param at time of the run's last entry, ISO-8601
 * @param error the failure's sentence, null when it succeeded
 */
public record BackupAttempt(String backupId, String outcome, String at, String error) {
  public boolean failed() {
    return "failed".equals(outcome);
  }
}
