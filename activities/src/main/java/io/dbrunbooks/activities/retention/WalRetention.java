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
        .filter(r -> segNo(r.from(), wal) < keepFrom.segNo()).toList();
    RetentionPlan.WalExpiry candidate =
        new RetentionPlan.WalExpiry(keepFrom.name(), neededBy, 0, 0, null, null, ranges);
    List<WalSegment> segments = wal.segments().keySet().stream().filter(s -> removes(candidate, s, wal)).toList();
    long partials = wal.partials().keySet().stream().filter(s -> removes(candidate, s, wal)).count();
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
    List<String> keys = new ArrayList<>();
    for (Map.Entry<WalSegment, String> s : wal.segments().entrySet()) {
      if (plans.stream().allMatch(p -> removes(p, s.getKey(), wal))) {
        keys.add(s.getValue());
      }
    }
    wal.partials().forEach((s, deltas) -> {
      if (plans.stream().allMatch(p -> removes(p, s, wal))) {
        deltas.forEach(d -> keys.add(d.key()));
      }
    });
    return keys;
  }

  /** Whether {@code plan} removes {@code s}: below its boundary and in none of its kept ranges. */
  static boolean removes(RetentionPlan.WalExpiry plan, WalSegment s, WalListing wal) {
    if (plan == null || s.segNo() >= segNo(plan.keepFrom(), wal)) {
      return false;
    }
    // Null in plans recorded before backup classes: nothing below the boundary was kept then.
    List<RetentionPlan.WalRange> kept = plan.keptBelow() == null ? List.of() : plan.keptBelow();
    return kept.stream().noneMatch(r -> segNo(r.from(), wal) <= s.segNo() && s.segNo() <= segNo(r.through(), wal));
  }

  private static long segNo(String segmentName, WalListing wal) {
    return WalSegment.parse(segmentName, wal.segmentSize()).segNo();
  }
}
