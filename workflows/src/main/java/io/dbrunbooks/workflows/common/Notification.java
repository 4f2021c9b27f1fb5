package io.dbrunbooks.workflows.common;

import java.util.Map;

/**
 * A message to the target's notifier (webhook and log line).
 *
 * @param event e.g. {@code backup.succeeded} or {@code backup.failed}
 * @param details secret-free key/values: backup id, sizes, checksums, error
 */
public record Notification(
    String target, String runbook, String event, String workflowId, String summary, Map<String, String> details) {

  public Notification {
    details = details == null ? Map.of() : Map.copyOf(details);
  }
}
