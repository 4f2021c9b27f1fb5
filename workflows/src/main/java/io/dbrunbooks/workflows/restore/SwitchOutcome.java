package io.dbrunbooks.workflows.restore;

import java.util.List;

/**
 * What a switch of the PgBouncer alias did.
 *
 * @param changed false when the alias already pointed there (a retried switch after a crash)
 * @param pausedMillis from PAUSE to RESUME: how long new transactions were held
 * @param steps one line per step (pause, repoint, reload, resume, verify, settle) with its duration
 */
public record SwitchOutcome(String database, BackendRef from, BackendRef to, boolean changed, long pausedMillis, List<String> steps) {

  public SwitchOutcome {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
