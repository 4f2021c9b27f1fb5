package io.dbrunbooks.workflows.drill;

/**
 * The simulated moment of loss, read from the source and its WAL archive when the drill starts.
 *
 * @param sourceTime the source's {@code clock_timestamp()} (ISO instant)
 * @param sourceLsn the source's {@code pg_current_wal_lsn()} in the same statement: everything written before the loss
 * @param timeline the source's current timeline
 * @param archiveEndLsn end (exclusive) of the WAL archived on that timeline just before: what would survive the
 *     loss; null when the archive holds nothing
 * @param markerLsn where the restore point {@code drill-<id>} the drill wrote right after ends: it gives recovery
 *     to {@code archiveEndLsn} a record to stop at even on an idle source; null when it could not be written
 * @param markerNote why there is no marker (the role may not call pg_create_restore_point), or null
 */
public record LossMoment(
    String sourceTime, String sourceLsn, int timeline, String archiveEndLsn, String markerLsn, String markerNote) {}
