package io.dbrunbooks.workflows.monitoring;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How urgently a person must look: a warning can wait for working hours, a critical alert cannot. */
public enum Severity {
  @JsonProperty("warning") WARNING,
  @JsonProperty("critical") CRITICAL;

  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
