package io.dbrunbooks.workflows.drill;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the drill pretends happened; recorded in its manifest and report. Every scenario restores the
 * same way (a copy beside the target): the label says which incident the team rehearsed.
 */
public enum DrillScenario {
  @JsonProperty("complete-failure")
  COMPLETE_FAILURE,
  @JsonProperty("corrupted-tables")
  CORRUPTED_TABLES,
  @JsonProperty("accidental-deletion")
  ACCIDENTAL_DELETION,
  @JsonProperty("ransomware")
  RANSOMWARE,
  @JsonProperty("point-in-time")
  POINT_IN_TIME;

  /** As written in JSON and on the command line, e.g. {@code complete-failure}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
