package io.dbrunbooks.workflows.walarchive;

/**
 * Answer of the {@code progress} query.
 *
 * @param state {@code archiving}, {@code stopping} or {@code failed}
 * @param total everything archived since the archiver was first started, across continue-as-new
 * @param current the running call's last report (heartbeat-sized, about every 30 s), or null
 * @param runs archiving calls completed by this run
 * @param lastError why the last call failed, or null
 */
public record WalArchiveProgress(
    String target, String state, WalArchiveCheckpoint total, WalArchiveCheckpoint current, long runs, String lastError) {}
