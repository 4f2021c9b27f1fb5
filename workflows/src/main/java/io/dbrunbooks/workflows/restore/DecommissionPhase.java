package io.dbrunbooks.workflows.restore;

/** Where a {@link BlueDecommissionWorkflow} is. */
public enum DecommissionPhase {
  /** Blue is stopped and kept: waiting for the keep period and an {@code approve-decommission} update. */
  KEPT,
  /** Removing blue's data directory. */
  REMOVE,
  COMPLETED,
  /** Removal failed or the run was canceled: blue is kept. */
  FAILED
}
