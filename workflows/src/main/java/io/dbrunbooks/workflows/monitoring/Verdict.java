package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/**
 * How {@link FreshnessRules} judged an observation: what fires, what was observed clear; a kind in
 * neither list could not be observed and stays as it is.
 */
public record Verdict(List<Alert> firing, List<AlertKind> clear) {
  public Verdict {
    firing = List.copyOf(firing);
    clear = List.copyOf(clear);
  }
}
