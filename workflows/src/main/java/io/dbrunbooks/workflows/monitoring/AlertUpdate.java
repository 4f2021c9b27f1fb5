package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/**
 * One check's verdict for the alert book: raise what fires (unless already open), resolve what
 * was observed clear (if open), leave alone what could not be observed; keep {@code walWatch}.
 *
 * @param checkRun workflow id and run id of the check: a retried update finds its own change
 */
public record AlertUpdate(
    String target, String checkRun, String observedAt, List<Alert> firing, List<AlertKind> clear, WalWatch walWatch) {
  public AlertUpdate {
    firing = firing == null ? List.of() : List.copyOf(firing);
    clear = clear == null ? List.of() : List.copyOf(clear);
  }
}
