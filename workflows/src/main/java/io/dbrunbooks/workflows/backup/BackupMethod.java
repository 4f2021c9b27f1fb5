package io.dbrunbooks.workflows.backup;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a backup is taken. Written in lower case in JSON input: {@code "method": "logical"}. */
public enum BackupMethod {
  /** {@code pg_basebackup}, tar format, with the WAL needed to make it consistent. */
  @JsonProperty("physical")
  PHYSICAL,
  /** {@code pg_dump} in custom format, one database. */
  @JsonProperty("logical")
  LOGICAL
}
