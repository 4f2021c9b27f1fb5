package io.dbrunbooks.workflows.schedule;

/**
 * The run that holds a runbook's lock on a target, i.e. the open execution of its fixed workflow
 * id.
 *
 * @param operator the run's {@code RunbookOperator} search attribute; null when not (yet) set
 * @param startedAt ISO-8601 start time of the run
 */
public record LockHolder(String workflowId, String runId, String workflowType, String startedAt, String operator) {

  /** {@code 5f0c... (BackupWorkflow, started 2026-12-02T02:00:00Z by alice)}. */
  public String summary() {
    return runId + " (" + workflowType + ", started " + startedAt + (operator == null ? "" : " by " + operator) + ")";
  }
}
