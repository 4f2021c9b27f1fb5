package io.dbrunbooks.workflows.common;

import java.util.Map;

/**
 * A message to the target's notifier (webhook and log line).
 *
 * @param event e.g. {@code backup.succeeded} or {@code backup.failed}
 * @param details secret-free key/values: backup id, sizes, checksums, error
 * @param severity {@code warning} or {@code critical} for alerts; null for a runbook's own events
 *     (histories recorded before it existed decode it as null)
 */
public record Notification(
    String target, String runbook, String event, String workflowId, String summary, Map<String, String> details,
    String severity) {

  public Notification {
    details = details == null ? Map.of() : Map.copyOf(details);
  }

  /** A runbook's own event, without a severity. */
  public Notification(String target, String runbook, String event, String workflowId, String summary, Map<String, String> details) {
    this(target, runbook, event, workflowId, summary, details, null);
  }
}
