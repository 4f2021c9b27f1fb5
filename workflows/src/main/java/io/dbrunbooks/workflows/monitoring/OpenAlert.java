package io.dbrunbooks.workflows.monitoring;

import java.util.Map;

/**
 * An incident in a target's alert book: open from the check that raised it until the check that
 * found it cleared.
 *
 * @param incident unique id of this incident ({@code <kind>-<run id prefix>}): notifications and audit
 *     entries of one incident carry it, and a retried book update recognises its own
 * @param since ISO-8601 time the check that raised it observed the condition
 * @param raisedBy workflow id and run id of that check
 */
public record OpenAlert(
    AlertKind kind, Severity severity, String incident, String since, String summary, Map<String, String> details,
    String raisedBy) {
  public OpenAlert {
    details = details == null ? Map.of() : Map.copyOf(details);
  }
}
