package io.dbrunbooks.workflows.restore;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to the restored cluster. Lower case in JSON: {@code "mode": "isolated"}. */
public enum RestoreMode {
  /** A new cluster beside the target, checked and left running for people to inspect; traffic is untouched. */
  @JsonProperty("isolated")
  ISOLATED,
  /** Blue-green switchover through PgBouncer. Not available yet: refused. */
  @JsonProperty("promote")
  PROMOTE
}
