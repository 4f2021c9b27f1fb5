package io.dbrunbooks.workflows.backup;

import java.util.List;

/**
 * What the precheck saw. Written into the manifest so the evidence shows the state the backup was
 * taken from.
 *
 * @param role {@code primary} or {@code standby}
 * @param replicationLagSeconds the largest lag judged: on a primary the slowest standby's replay
 *     lag (0 for one that replayed all the primary flushed), on a standby
 *     {@code now() - pg_last_xact_replay_timestamp()}; 0 with no replication or when caught up
 * @param standbys on a primary, the walsenders whose clients replay WAL: judged against the limit
 * @param receivers on a primary, the other walsenders (WAL archiver, pg_receivewal, base backups):
 *     reported, never judged against the limit
 * @param notes what a person should know that did not stop the backup (an archiver far behind or
 *     not running), one sentence each
 * @param databaseBytes size of the data to back up (the cluster for physical, the database for logical)
 * @param destinationFreeBytes free space at the backup store, or -1 where the store has no limit (S3)
 * @param retentionPolicy whether the target has a retention policy, which then runs after the backup
 */
public record PrecheckReport(
    String target,
    String serverVersion,
    int serverVersionNum,
    String systemIdentifier,
    String role,
    double replicationLagSeconds,
    double lagLimitSeconds,
    List<StandbyLag> standbys,
    List<WalReceiver> receivers,
    List<String> notes,
    long databaseBytes,
    long destinationFreeBytes,
    String checkedAt,
    boolean retentionPolicy) {}
