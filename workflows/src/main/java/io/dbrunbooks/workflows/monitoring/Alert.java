package io.dbrunbooks.workflows.monitoring;

import java.util.Map;

/**
 * A condition the check found true now. Whether it opens an incident depends on the alert book.
 *
 * @param summary one sentence for the notification, e.g. "the newest backup of orders is 9.2 h old (limit 8 h)"
 * @param details secret-free facts: backup id, ages, LSNs
 */
public record Alert(AlertKind kind, String summary, Map<String, String> details) {
  public Alert {
    details = details == null ? Map.of() : Map.copyOf(details);
  }
}
