package io.dbrunbooks.workflows.drill;

/** Where a drill is; also the value of the {@code RunbookPhase} search attribute. */
public enum DrillPhase {
  /** Reading the source's time and WAL position: the simulated moment of loss. */
  MARK_LOSS,
  SELECT,
  /** The child {@code PointInTimeRestoreWorkflow} restores, recovers and checks the copy. */
  RESTORE,
  /** The application's smoke command runs against the copy. */
  SMOKE,
  CLEANUP,
  SEAL,
  NOTIFY,
  COMPLETED,
  FAILED
}
