package io.dbrunbooks.workflows.monitoring;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What an alert is about, with the severity it always has: one open alert per kind and target. */
public enum AlertKind {
  /** The newest sealed backup is older than the target's limit, or there is none. */
  @JsonProperty("backup-stale") BACKUP_STALE("backup-stale", Severity.WARNING),
  /** The newest finished backup attempt failed: there is a hole in the schedule now. */
  @JsonProperty("backup-failed") BACKUP_FAILED("backup-failed", Severity.CRITICAL),
  /** Nothing streams from the WAL archiver's replication slot. */
  @JsonProperty("wal-archiver-down") WAL_ARCHIVER_DOWN("wal-archiver-down", Severity.WARNING),
  /** WAL the source wrote has waited longer than the limit for the archive. */
  @JsonProperty("wal-archive-stale") WAL_ARCHIVE_STALE("wal-archive-stale", Severity.WARNING);

  private final String word;
  private final Severity severity;

  AlertKind(String word, Severity severity) {
    this.word = word;
    this.severity = severity;
  }

  /** As written in notifications, the alert book and the CLI, e.g. {@code backup-stale}. */
  public String word() {
    return word;
  }

  public Severity severity() {
    return severity;
  }
}
