package io.dbrunbooks.workflows.restore;

/** Where a restore run is; also the value of the {@code RunbookPhase} search attribute. */
public enum RestorePhase {
  PLAN,
  PROVISION,
  RESTORE,
  RECOVER,
  CHECK,
  SEAL,
  NOTIFY,
  COMPLETED,
  COMPENSATING,
  FAILED
}
