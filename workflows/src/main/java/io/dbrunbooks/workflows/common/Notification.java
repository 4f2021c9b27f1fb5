package io.dbrunbooks.workflows.common;

import java.util.Map;

/**
 * A message to the target's notifier (webhook and log line).
 *
 * @param event e.g. {@code backup.succeeded} or {@code backup.failed}
 * @param details secret-free key/values: backup id, sizes, checksums, error
 * @param severity {@value #CRITICAL}, {@value #WARNING} or {@value #INFO}; null (notifications recorded before it
 *     existed, and runbooks that do not grade theirs) is sent without one
 */
public record Notification(
    String target, String runbook, String event, String workflowId, String summary, Map<String, String> details,
    // Last and nullable: an activity input is not compared on replay, and older histories decode with null.
    String severity) {
  public static final String CRITICAL = "critical";
  public static final String WARNING = "warning";
  public static final String INFO = "info";

  public Notification {
    details = details == null ? Map.of() : Map.copyOf(details);
  }

  /** A notification without a severity. */
  public Notification(
      String target, String runbook, String event, String workflowId, String summary, Map<String, String> details) {
    this(target, runbook, event, workflowId, summary, details, null);
  }
}
