package io.dbrunbooks.workflows.restore;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to the restored cluster. Lower case in JSON: {@code "mode": "isolated"}. */
public enum RestoreMode {
  /** A new cluster beside the target, checked and left running for people to inspect; traffic is untouched. */
  @JsonProperty("isolated")
  ISOLATED,
  /**
   * Blue-green switchover through PgBouncer: the checked restore waits for an approval, takes the
   * traffic, is watched for a bake period with blue still running, then blue is stopped and kept.
   */
  @JsonProperty("promote")
  PROMOTE
}
