package io.dbrunbooks.workflows.restore;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a promote restore ended when it did not fail. Lower case in JSON. */
public enum SwitchoverOutcome {
  /** Traffic is on green, blue was stopped (and removed after approve-decommission). */
  @JsonProperty("promoted")
  PROMOTED,
  /** Aborted before the switch (abort signal, or rollback before the switch); green torn down unless kept. */
  @JsonProperty("aborted")
  ABORTED,
  /** Rolled back during the bake on request; traffic is on blue again, green torn down unless kept. */
  @JsonProperty("rolled-back")
  ROLLED_BACK
}
