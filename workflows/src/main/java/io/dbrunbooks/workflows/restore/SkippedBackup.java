package io.dbrunbooks.workflows.restore;

/**
 * A backup the plan passed over although it might have served the recovery target: its manifest
 * cannot be read, its artifact is gone from the store, or it is off the timeline recovery follows.
 *
 * @param reason one sentence a person reads, e.g. "its manifest file:/… cannot be read: …"
 */
public record SkippedBackup(String backupId, String reason) {}
