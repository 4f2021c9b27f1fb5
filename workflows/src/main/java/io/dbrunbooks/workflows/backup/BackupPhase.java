package io.dbrunbooks.workflows.backup;

/** Where a backup run is; also the value of the {@code RunbookPhase} search attribute. */
public enum BackupPhase {
  PRECHECK,
  BACKUP,
  VERIFY,
  SEAL,
  NOTIFY,
  COMPLETED,
  COMPENSATING,
  FAILED
}
