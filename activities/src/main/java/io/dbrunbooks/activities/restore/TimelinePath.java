package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.activities.wal.WalVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The timelines a restore replays, as PostgreSQL walks them with {@code recovery_target_timeline =
 * 'latest'} (what the restore configures): it takes the newest timeline whose history file the
 * archive holds, probing upward one at a time, and that file names each ancestor timeline and the
 * LSN where the next one branched off it. A promotion (a promote restore that took the traffic, a
 * promoted standby) adds one.
 *
 * <p>A backup is on the path when its timeline is, and, unless that is the newest timeline, it was
 * consistent before its timeline was left: a backup of the old primary taken after the fork cannot
 * be recovered along the newest timeline. In a segment that holds a switch point PostgreSQL reads
 * the newer timeline's file, so each timeline is needed from its switch point's segment on.
 *
 * @param ends for every timeline but the newest, the LSN where the next one branched off it
 */
record TimelinePath(List<Integer> timelines, Map<Integer, Lsn> ends) {

  /** The path of the archive's newest timeline; the single timeline of an archive without history files. */
  static TimelinePath of(WalArchive archive, WalListing listing) throws IOException {
    int newest = listing.timelines().stream().mapToInt(Integer::intValue).min().orElse(1);
    while (listing.histories().containsKey(newest + 1)) {
      newest++;
    }
    Map<Integer, Lsn> ends = new LinkedHashMap<>();
    String key = listing.histories().get(newest);
    if (key != null) {
      List<WalVerifier.Branch> branches;
      try {
        branches = WalVerifier.Branch.all(new String(archive.readVerified(key), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // Checksummed when archived, so written like this: a retry reads the same line.
        throw RestoreFailures.nonRetryable(RestoreFailures.PLAN_REFUSED, String.format("the history file of timeline %d"
            + " at %s cannot be used: %s; check the archive with: runbooks wal verify --target T", newest,
            archive.location(), e.getMessage()));
      }
      branches.forEach(b -> ends.put(b.parent(), b.switchPoint()));
    }
    List<Integer> timelines = new ArrayList<>(ends.keySet());
    timelines.add(newest);
    return new TimelinePath(List.copyOf(timelines), Map.copyOf(ends));
  }

  int newest() {
    return timelines.get(timelines.size() - 1);
  }

  /** Where the newest timeline branched off its parent; null for a single timeline. */
  Lsn branchPoint() {
    return timelines.size() < 2 ? null : ends.get(timelines.get(timelines.size() - 2));
  }

  /** Why a backup on {@code timeline} consistent at {@code stop} cannot be recovered along this path; null when it can. */
  String excludes(int timeline, Lsn stop) {
    if (!timelines.contains(timeline)) {
      return "it was taken on timeline " + timeline + ", which is not in the history of the newest timeline " + newest()
          + " (" + this + ")";
    }
    Lsn end = ends.get(timeline);
    if (end != null && stop.compareTo(end) > 0) {
      return "it was taken on timeline " + timeline + " and is consistent only at " + stop + ", after timeline " + next(timeline)
          + " branched off at " + end + ": recovery follows the newest timeline " + newest() + " (" + this + ")";
    }
    return null;
  }

  /**
   * The WAL a recovery from a backup starting at {@code from} on {@code timeline} reads up to
   * {@code until}: one range per timeline, first and last LSN inclusive.
   */
  List<Range> ranges(int timeline, Lsn from, Lsn until, int segmentSize) {
    List<Range> ranges = new ArrayList<>();
    Lsn start = from;
    for (int i = timelines.indexOf(timeline); i < timelines.size() && start.compareTo(until) <= 0; i++) {
      int tli = timelines.get(i);
      Lsn end = ends.get(tli);
      if (end == null || until.compareTo(end) < 0) {
        ranges.add(new Range(tli, start, until));
        break;
      }
      // Up to the segment before the switch point's: that segment is read from the next timeline.
      long switchSegmentStart = WalSegment.containing(tli, end.value(), segmentSize).startLsn();
      if (switchSegmentStart > start.value()) {
        ranges.add(new Range(tli, start, new Lsn(switchSegmentStart - 1)));
      }
      start = new Lsn(switchSegmentStart);
    }
    return ranges;
  }

  /** WAL needed on one timeline, {@code from} and {@code to} inclusive. */
  record Range(int timeline, Lsn from, Lsn to) {}

  private int next(int timeline) {
    return timelines.get(timelines.indexOf(timeline) + 1);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("timeline");
    b.append(timelines.size() == 1 ? " " : "s ");
    for (int tli : timelines) {
      b.append(tli);
      Lsn end = ends.get(tli);
      if (end != null) {
        b.append(" until ").append(end).append(", then ");
      }
    }
    return b.toString();
  }
}
