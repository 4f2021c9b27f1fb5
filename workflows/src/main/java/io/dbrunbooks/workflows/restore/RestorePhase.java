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
  /** Promote: green is ready and waits for an {@code approve} update (or abort, or the approval timeout). */
  AWAIT_APPROVAL,
  /** Promote: guardrails, then PgBouncer PAUSE, repoint to green, RELOAD, RESUME, health check. */
  SWITCH,
  /** Promote: traffic on green, blue still running; a rollback signal or failed health checks switch back. */
  BAKE,
  /** Promote: switching traffic back to blue (rollback signal, failed health check, or compensation). */
  ROLLBACK,
  /** Promote: the bake passed; blue is stopped and handed to its decommission workflow, the evidence sealed. */
  STOP_BLUE,
  COMPLETED,
  COMPENSATING,
  FAILED
}
