package io.dbrunbooks.workflows.restore;

/**
 * @param wasRunning false when blue was already stopped (a retried stop, or stopped by hand)
 * @param lsn blue's last checkpoint location after the stop (pg_controldata)
 */
public record BlueStopped(String dataDirectory, boolean wasRunning, String lsn) {}
