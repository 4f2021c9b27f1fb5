package io.dbrunbooks.workflows.schedule;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A runbook a schedule may start, with the workflow type and the fixed workflow id that is its
 * per-target lock. Written in lower case in JSON: {@code "runbook": "backup"}.
 *
 * <p>{@code drill} and {@code freshness} are named by workflow type only: their implementations
 * live in their own packages and need not be on this class path.
 */
public enum ScheduledRunbook {
  @JsonProperty("backup")
  BACKUP("backup", "BackupWorkflow"),
  @JsonProperty("retention")
  RETENTION("retention", "RetentionWorkflow"),
  @JsonProperty("drill")
  DRILL("drill", "RestoreDrillWorkflow"),
  @JsonProperty("freshness")
  FRESHNESS("freshness", "FreshnessCheckWorkflow");

  private final String word;
  private final String workflowType;

  ScheduledRunbook(String word, String workflowType) {
    this.word = word;
    this.workflowType = workflowType;
  }

  /** The word used in JSON, the schedules file and workflow ids, e.g. {@code backup}. */
  public String word() {
    return word;
  }

  /** The workflow type the scheduled run starts, e.g. {@code BackupWorkflow}. */
  public String workflowType() {
    return workflowType;
  }

  /** The runbook's lock on {@code target}: its fixed workflow id, e.g. {@code backup/orders}. */
  public String workflowId(String target) {
    return word + "/" + target;
  }

  /** The runbook named {@code word}, or null. */
  public static ScheduledRunbook of(String word) {
    for (ScheduledRunbook r : values()) {
      if (r.word.equals(word)) {
        return r;
      }
    }
    return null;
  }
}
