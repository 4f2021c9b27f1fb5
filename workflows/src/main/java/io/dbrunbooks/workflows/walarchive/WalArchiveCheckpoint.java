package io.dbrunbooks.workflows.walarchive;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the archive of a target stands. The activity returns one per call (its counters for that
 * call); the workflow adds them up and hands the total to its next run on continue-as-new.
 *
 * @param timeline timeline being archived
 * @param archivedLsn end (exclusive) of the WAL durably in the archive, e.g. {@code 0/3A00F28}; the
 *     replication slot is never confirmed past it
 * @param lastSegment name of the last complete segment uploaded, or null
 * @param segmentsArchived complete segments uploaded
 * @param bytesArchived WAL bytes uploaded (complete segments and partial deltas)
 * @param gaps WAL the archive lacks and the server no longer has, one sentence each naming the
 *     missing segments (newest {@value #MAX_GAPS} kept)
 */
public record WalArchiveCheckpoint(
    int timeline, String archivedLsn, String lastSegment, long segmentsArchived, long bytesArchived, List<String> gaps) {

  /** Gaps kept in a checkpoint: it travels through continue-as-new, so it must stay small. */
  public static final int MAX_GAPS = 20;

  public WalArchiveCheckpoint {
    gaps = gaps == null ? List.of() : List.copyOf(gaps);
  }

  public static WalArchiveCheckpoint empty() {
    return new WalArchiveCheckpoint(0, null, null, 0, 0, List.of());
  }

  /** This total followed by one more call's result: positions from {@code next}, counters added. */
  public WalArchiveCheckpoint plus(WalArchiveCheckpoint next) {
    List<String> all = new ArrayList<>(gaps);
    all.addAll(next.gaps());
    List<String> kept = all.subList(Math.max(0, all.size() - MAX_GAPS), all.size());
    return new WalArchiveCheckpoint(
        next.timeline() != 0 ? next.timeline() : timeline,
        next.archivedLsn() != null ? next.archivedLsn() : archivedLsn,
        next.lastSegment() != null ? next.lastSegment() : lastSegment,
        segmentsArchived + next.segmentsArchived(),
        bytesArchived + next.bytesArchived(),
        kept);
  }
}
