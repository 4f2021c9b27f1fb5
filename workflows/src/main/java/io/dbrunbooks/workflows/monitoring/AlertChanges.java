package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/**
 * What an {@link AlertUpdate} changed in the book: the incidents it opened and closed (each to be
 * notified exactly once), and what is open afterwards.
 */
public record AlertChanges(List<OpenAlert> raised, List<OpenAlert> resolved, List<OpenAlert> open) {
  public AlertChanges {
    raised = raised == null ? List.of() : List.copyOf(raised);
    resolved = resolved == null ? List.of() : List.copyOf(resolved);
    open = open == null ? List.of() : List.copyOf(open);
  }
}
