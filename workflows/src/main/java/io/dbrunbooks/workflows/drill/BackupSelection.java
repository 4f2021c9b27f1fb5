package io.dbrunbooks.workflows.drill;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which sealed physical backup a drill restores, as AWS Backup's restore testing chooses. */
public enum BackupSelection {
  /** The newest one: what a restore today would use. */
  @JsonProperty("newest")
  NEWEST,
  /** Any one sealed within the window, chosen at random (Workflow.newRandom: the same on replay). */
  @JsonProperty("random")
  RANDOM
}
