package io.dbrunbooks.activities.retention;

import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which archived WAL segments a retention plan removes: everything numbered below the point-in-time
 * boundary ({@code keepFrom}), except the ranges that older backups kept for their class need to
 * become consistent. Segment numbers are compared on every timeline, as recovery may follow a
 * timeline switch: a kept range or boundary protects that position on all of them.
 */
final class WalRetention {
  private WalRetention() {}

  /** The plan's WAL part, or null when nothing goes. */
  static RetentionPlan.WalExpiry expiry(WalListing wal, Lsn from, int timeline, String neededBy,
      List<RetentionPlan.WalRange> keptBelow) {
    WalSegment keepFrom = WalSegment.containing(timeline, from.value(), wal.segmentSize());
    List<RetentionPlan.WalRange> ranges = keptBelow.stream()
        .filter(r -> WalSegment.parse(r.from(), wal.segmentSize()).segNo() < keepFrom.segNo()).toList();
    Cut cut = new Cut(new RetentionPlan.WalExpiry(keepFrom.name(), neededBy, 0, 0, null, null, ranges), wal.segmentSize());
    List<WalSegment> segments = wal.segments().keySet().stream().filter(cut::removes).toList();
    long partials = wal.partials().keySet().stream().filter(cut::removes).count();
    if (segments.isEmpty() && partials == 0) {
      return null;
    }
    Optional<WalSegment> first = segments.stream().min(Comparator.comparingLong(WalSegment::segNo));
    Optional<WalSegment> last = segments.stream().max(Comparator.comparingLong(WalSegment::segNo));
    return new RetentionPlan.WalExpiry(keepFrom.name(), neededBy, segments.size(), (int) partials,
        first.map(WalSegment::name).orElse(null), last.map(WalSegment::name).orElse(null), ranges);
  }

  /**
   * The store keys of the segments and partial deltas that every one of {@code plans} removes: a
   * plan made minutes ago and a fresh one may disagree, and WAL either of them keeps stays.
   */
  static List<String> keysRemovedByAll(WalListing wal, List<RetentionPlan.WalExpiry> plans) {
    List<Cut> cuts = plans.stream().map(p -> new Cut(p, wal.segmentSize())).toList();
    List<String> keys = new ArrayList<>();
    for (Map.Entry<WalSegment, String> s : wal.segments().entrySet()) {
      if (cuts.stream().allMatch(c -> c.removes(s.getKey()))) {
        keys.add(s.getValue());
      }
    }
    wal.partials().forEach((s, deltas) -> {
      if (cuts.stream().allMatch(c -> c.removes(s))) {
        deltas.forEach(d -> keys.add(d.key()));
      }
    });
    return keys;
  }

  /** Whether {@code plan} removes {@code s}: below its boundary and in none of its kept ranges. */
  static boolean removes(RetentionPlan.WalExpiry plan, WalSegment s, WalListing wal) {
    return new Cut(plan, wal.segmentSize()).removes(s);
  }

  /**
   * A plan's WAL part as segment numbers, parsed once: an archive of a year holds hundreds of
   * thousands of segments, and a year of daily backups hundreds of kept ranges.
   */
  private static final class Cut {
    private final long boundary;
    private final long[][] kept; // [from, through], disjoint, sorted

    Cut(RetentionPlan.WalExpiry plan, int segmentSize) {
      boundary = plan == null ? Long.MIN_VALUE : WalSegment.parse(plan.keepFrom(), segmentSize).segNo();
      // Null in plans recorded before backup classes: nothing below the boundary was kept then.
      List<RetentionPlan.WalRange> ranges = plan == null || plan.keptBelow() == null ? List.of() : plan.keptBelow();
      List<long[]> sorted = ranges.stream()
          .map(r -> new long[] {WalSegment.parse(r.from(), segmentSize).segNo(), WalSegment.parse(r.through(), segmentSize).segNo()})
          .sorted(Comparator.comparingLong((long[] r) -> r[0])).toList();
      List<long[]> merged = new ArrayList<>();
      for (long[] r : sorted) {
        long[] tail = merged.isEmpty() ? null : merged.get(merged.size() - 1);
        if (tail != null && r[0] <= tail[1] + 1) {
          tail[1] = Math.max(tail[1], r[1]);
        } else {
          merged.add(new long[] {r[0], r[1]});
        }
      }
      kept = merged.toArray(long[][]::new);
    }

    boolean removes(WalSegment s) {
      long n = s.segNo();
      if (n >= boundary) {
        return false;
      }
      int i = lastStartingAtOrBefore(n); // ranges are disjoint: only this one can hold n
      return i < 0 || kept[i][1] < n;
    }

    private int lastStartingAtOrBefore(long n) {
      int lo = 0;
      int hi = kept.length - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (kept[mid][0] <= n) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }
  }
}
