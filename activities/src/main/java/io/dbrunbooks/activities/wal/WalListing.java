package io.dbrunbooks.activities.wal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a WAL archive holds at one moment, from one store listing: complete segments, the deltas of
 * segments still being filled, timeline history files, and any key that does not belong there.
 */
public final class WalListing {

  /** Bytes [start, end) of a segment still being written, stored at {@code key}. */
  public record Delta(int start, int end, String sha256, String key) {}

  private final int segmentSize;
  private final SortedMap<WalSegment, String> segments;
  private final SortedMap<WalSegment, List<Delta>> partials;
  private final SortedMap<Integer, String> histories;
  private final List<String> unrecognized;

  WalListing(int segmentSize, Map<WalSegment, String> segments, Map<WalSegment, List<Delta>> partials,
      Map<Integer, String> histories, List<String> unrecognized) {
    this.segmentSize = segmentSize;
    this.segments = Collections.unmodifiableSortedMap(new TreeMap<>(segments));
    TreeMap<WalSegment, List<Delta>> p = new TreeMap<>();
    partials.forEach((s, d) -> p.put(s, d.stream().sorted((a, b) -> a.start != b.start
        ? Integer.compare(a.start, b.start) : Integer.compare(b.end, a.end)).toList()));
    this.partials = Collections.unmodifiableSortedMap(p);
    this.histories = Collections.unmodifiableSortedMap(new TreeMap<>(histories));
    this.unrecognized = List.copyOf(unrecognized);
  }

  public int segmentSize() {
    return segmentSize;
  }

  /** Complete segments → store key. */
  public SortedMap<WalSegment, String> segments() {
    return segments;
  }

  /** Segments still being filled → their deltas, by start offset. */
  public SortedMap<WalSegment, List<Delta>> partials() {
    return partials;
  }

  /** For each partial segment without a complete copy: how far its deltas reach contiguously from offset 0. */
  public SortedMap<WalSegment, Integer> partialEnds() {
    SortedMap<WalSegment, Integer> ends = new TreeMap<>();
    partials.forEach((s, d) -> {
      if (!segments.containsKey(s)) {
        ends.put(s, contiguousEnd(d));
      }
    });
    return ends;
  }

  /** Timeline → history file key. */
  public SortedMap<Integer, String> histories() {
    return histories;
  }

  /** Keys under the archive that follow none of its naming rules. */
  public List<String> unrecognized() {
    return unrecognized;
  }

  public boolean isEmpty() {
    return segments.isEmpty() && partials.isEmpty() && histories.isEmpty();
  }

  /** Timelines that have segments or partials, ascending. */
  public List<Integer> timelines() {
    TreeMap<Integer, Boolean> t = new TreeMap<>();
    segments.keySet().forEach(s -> t.put(s.timeline(), true));
    partials.keySet().forEach(s -> t.put(s.timeline(), true));
    return new ArrayList<>(t.keySet());
  }

  /**
   * End (exclusive) of the WAL archived without a break on {@code timeline}, walking forward from
   * the segment holding {@code from}; null when that segment is not archived at all.
   */
  public Lsn archivedEnd(int timeline, Lsn from) {
    WalSegment s = WalSegment.containing(timeline, from.value(), segmentSize);
    Lsn end = null;
    while (segments.containsKey(s)) {
      end = new Lsn(s.endLsn());
      s = s.next();
    }
    List<Delta> d = partials.get(s);
    if (d != null && contiguousEnd(d) > 0) {
      end = new Lsn(s.startLsn() + contiguousEnd(d));
    }
    return end;
  }

  /**
   * The first segment of [{@code from}, {@code to}] on {@code timeline} the archive cannot supply:
   * neither complete nor, for the segment holding {@code to}, partial up to {@code to}.
   */
  public Optional<WalSegment> firstMissing(int timeline, Lsn from, Lsn to) {
    WalSegment last = WalSegment.containing(timeline, to.value(), segmentSize);
    for (WalSegment s = WalSegment.containing(timeline, from.value(), segmentSize); s.compareTo(last) <= 0; s = s.next()) {
      if (segments.containsKey(s)) {
        continue;
      }
      List<Delta> d = partials.get(s);
      if (s.equals(last) && d != null && s.startLsn() + contiguousEnd(d) >= to.value()) {
        continue;
      }
      return Optional.of(s);
    }
    return Optional.empty();
  }

  /** Runs of missing segments between the first and last archived segment of {@code timeline}: [first, last] pairs. */
  public List<WalSegment[]> gaps(int timeline) {
    List<WalSegment> have = new ArrayList<>();
    segments.keySet().stream().filter(s -> s.timeline() == timeline).forEach(have::add);
    partialEnds().forEach((s, end) -> {
      if (s.timeline() == timeline && end > 0) {
        have.add(s);
      }
    });
    Collections.sort(have);
    List<WalSegment[]> gaps = new ArrayList<>();
    for (int i = 1; i < have.size(); i++) {
      WalSegment prev = have.get(i - 1);
      WalSegment cur = have.get(i);
      if (cur.segNo() > prev.segNo() + 1) {
        gaps.add(new WalSegment[] {prev.next(), new WalSegment(timeline, cur.segNo() - 1, segmentSize)});
      }
    }
    return gaps;
  }

  /** How far deltas sorted by start reach from offset 0 without a hole. */
  static int contiguousEnd(List<Delta> deltas) {
    int end = 0;
    for (Delta d : deltas) {
      if (d.start > end) {
        break;
      }
      end = Math.max(end, d.end);
    }
    return end;
  }
}
