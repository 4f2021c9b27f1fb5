package io.dbrunbooks.workflows.walarchive;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The WAL archiver's vocabulary. Implemented per engine in {@code activities/}. */
@ActivityInterface
public interface WalArchiveActivities {

  /**
   * Streams the target's WAL into its archive through its replication slot for at most {@code
   * maxSeconds} (or until cancelled), uploading the segment being filled about every second and each
   * complete segment once, and confirming to the slot only what the archive holds. Heartbeats its
   * position; a retry, on any worker, resumes from the archive and the slot with no gap. A second
   * concurrent call for the same target is refused by the server (slot active) and retried.
   */
  @ActivityMethod(name = "ArchiveWal")
  WalArchiveCheckpoint archive(WalArchiveRequest request);
}
