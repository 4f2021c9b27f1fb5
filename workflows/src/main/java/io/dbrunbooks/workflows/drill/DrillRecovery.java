package io.dbrunbooks.workflows.drill;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the drill's restore stops. */
public enum DrillRecovery {
  /**
   * Everything the WAL archive held at the moment of loss (drill start): the restore's recovery target is the
   * archive's end LSN as read then. RPO is measured only here.
   */
  @JsonProperty("latest")
  LATEST,
  /** A random WAL position between the chosen backup's consistency point and that archive end. */
  @JsonProperty("random")
  RANDOM
}
