package io.dbrunbooks.workflows.monitoring;

/**
 * The WAL archive of a target as one check saw it. Null fields are facts the check could not get
 * (it then neither raises nor resolves the alerts that depend on them).
 *
 * @param archiverStreaming whether a client streamed from the archiver's replication slot (after a
 *     short grace: the archiver reconnects between its calls)
 * @param slot the archiver's replication slot
 * @param archivedEnd end (exclusive) of the WAL in the archive, null for an empty archive
 * @param sourceLsn where the source's WAL ends now ({@code pg_current_wal_flush_lsn()})
 * @param lagBytes WAL the source has that the archive lacks
 * @param behindSeconds how long, at least, WAL has waited for the archive (see {@link WalWatch}); 0 when caught up
 * @param watch the watermark to keep for the next check, null when the archive has caught up
 * @param problem why a fact is missing (source unreachable, store unreadable), or null
 */
public record WalObservation(
    Boolean archiverStreaming, String slot, String archivedEnd, String sourceLsn, Long lagBytes, Long behindSeconds,
    WalWatch watch, String problem) {}
