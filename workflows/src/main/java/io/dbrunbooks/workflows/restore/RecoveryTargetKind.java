package io.dbrunbooks.workflows.restore;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a point-in-time restore stops at. Written in lower case in JSON input: {@code "kind": "time"}. */
public enum RecoveryTargetKind {
  /** An ISO-8601 instant with offset, e.g. {@code 2026-11-21T10:40:59Z}: every transaction committed at or before it. */
  @JsonProperty("time")
  TIME,
  /** A WAL location, e.g. {@code 16/B374D848}. */
  @JsonProperty("lsn")
  LSN,
  /** A restore point created with {@code pg_create_restore_point(name)}. */
  @JsonProperty("name")
  NAME,
  /** The end of the archived WAL. */
  @JsonProperty("latest")
  LATEST
}
