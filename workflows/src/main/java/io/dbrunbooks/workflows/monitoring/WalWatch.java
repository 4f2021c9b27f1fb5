package io.dbrunbooks.workflows.monitoring;

/**
 * The WAL archive's watermark, kept in the alert book between checks: at {@code since} the source
 * had written up to {@code sourceLsn} and the archive did not hold it yet. While the archive stays
 * below that position, WAL has waited at least {@code now - since}: a lower bound on the archive's
 * lag in time that needs no clock on the database.
 */
public record WalWatch(String since, String sourceLsn) {}
