package io.dbrunbooks.activities.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks a WAL archive the way a restore will need it: every timeline continuous from its first to
 * its last segment, every timeline after the first explained by its history file and joined to its
 * parent at the switch point, nothing unexpected stored. With {@code deep}, every object is read
 * back, decrypted and checked against the checksum in its name, and each segment's first page must
 * say it is that segment.
 */
public final class WalVerifier {

  /** What one timeline holds: complete segments from first to last, and how far the newest partial reaches. */
  public record TimelineSpan(int timeline, String firstSegment, String lastSegment, int segments, String partialSegment,
      String archivedEnd) {}

  /** @param kind {@code gap}, {@code timeline}, {@code damaged}, {@code unrecognized} or {@code empty} */
  public record Problem(String kind, String message) {}

  public record Report(String location, WalArchiveInfo info, List<TimelineSpan> timelines, List<Problem> problems,
      int objectsRead) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private final WalArchive archive;

  public WalVerifier(WalArchive archive) {
    this.archive = archive;
  }

  public Report verify(boolean deep) throws IOException {
    WalArchiveInfo info = archive.info().orElse(null);
    WalListing listing = archive.list();
    List<Problem> problems = new ArrayList<>();
    List<TimelineSpan> spans = new ArrayList<>();
    if (info == null || listing.isEmpty()) {
      problems.add(new Problem("empty", "no WAL is archived at " + archive.location() + (info == null ? " (no archive.json)" : "")
          + "; start the archiver: runbooks wal archive start --target T"));
    }
    for (int tli : listing.timelines()) {
      spans.add(span(listing, tli));
      for (WalSegment[] g : listing.gaps(tli)) {
        long n = g[1].segNo() - g[0].segNo() + 1;
        problems.add(new Problem("gap", "timeline " + tli + " lacks " + (n == 1 ? "segment " + g[0] : n + " segments " + g[0] + ".." + g[1])
            + ": a restore cannot replay past " + new Lsn(g[0].startLsn())));
      }
      truncatedPartials(listing, tli, problems);
      if (tli > 1) {
        timelineBreaks(listing, tli, problems);
      }
    }
    listing.unrecognized().forEach(k -> problems.add(new Problem("unrecognized", "unexpected object " + k + " in the archive")));
    int read = deep ? readEverything(listing, problems) : 0;
    return new Report(archive.location(), info, spans, problems, read);
  }

  private static TimelineSpan span(WalListing listing, int tli) {
    List<WalSegment> complete = listing.segments().keySet().stream().filter(s -> s.timeline() == tli).toList();
    Map.Entry<WalSegment, Integer> partial = null;
    for (Map.Entry<WalSegment, Integer> e : listing.partialEnds().entrySet()) {
      if (e.getKey().timeline() == tli && e.getValue() > 0) {
        partial = e;
      }
    }
    Lsn end = lastArchived(listing, tli);
    return new TimelineSpan(tli, complete.isEmpty() ? null : complete.get(0).name(),
        complete.isEmpty() ? null : complete.get(complete.size() - 1).name(), complete.size(),
        partial == null ? null : partial.getKey().name(), end == null ? null : end.toString());
  }

  /** A segment only partly archived while later ones exist: its tail was never uploaded. */
  private static void truncatedPartials(WalListing listing, int tli, List<Problem> problems) {
    Lsn end = lastArchived(listing, tli);
    listing.partialEnds().forEach((s, reach) -> {
      if (s.timeline() == tli && end != null && s.startLsn() + reach < end.value()) {
        problems.add(new Problem("gap", "timeline " + tli + ": segment " + s + " is archived only up to " + new Lsn(s.startLsn() + reach)
            + " while later WAL is archived; its remaining " + (s.segmentSize() - reach) + " bytes are missing"));
      }
    });
  }

  private void timelineBreaks(WalListing listing, int tli, List<Problem> problems) throws IOException {
    String key = listing.histories().get(tli);
    if (key == null) {
      problems.add(new Problem("timeline", String.format("timeline %d has WAL but the archive has no %08X.history: a restore cannot"
          + " follow the switch to it", tli, tli)));
      return;
    }
    Branch b;
    try {
      b = Branch.parse(new String(archive.readVerified(key), StandardCharsets.UTF_8));
    } catch (WalArchiveException | IllegalArgumentException e) {
      // A report names every problem: one damaged history file must not end it with an exception.
      problems.add(new Problem("timeline", String.format("%08X.history cannot be used: %s", tli, e.getMessage())));
      return;
    }
    if (b == null) {
      problems.add(new Problem("timeline", String.format("%08X.history names no parent timeline", tli)));
      return;
    }
    int parent = b.parent();
    Lsn switchPoint = b.switchPoint();
    int size = listing.segmentSize();
    WalSegment branch = WalSegment.containing(tli, switchPoint.value(), size);
    WalSegment first = firstOn(listing, tli);
    if (first != null && first.compareTo(branch) > 0) {
      problems.add(new Problem("timeline", "timeline " + tli + " branched off timeline " + parent + " at " + switchPoint
          + " but its archived WAL starts only at " + first + "; missing " + branch + (first.segNo() - 1 > branch.segNo()
              ? ".." + new WalSegment(tli, first.segNo() - 1, size) : "")));
    }
    Lsn parentEnd = lastArchived(listing, parent);
    if (parentEnd != null && parentEnd.compareTo(new Lsn(branch.startLsn())) < 0) {
      problems.add(new Problem("timeline", "timeline " + parent + " is archived only up to " + parentEnd + ", short of the"
          + " switch point " + switchPoint + " to timeline " + tli + "; missing "
          + WalSegment.containing(parent, parentEnd.value(), size) + ".." + new WalSegment(parent, branch.segNo() - 1, size)));
    }
  }

  /** Where a timeline left its parent: the last line of its history file, {@code parentTLI <tab> switchpoint <tab> reason}. */
  public record Branch(int parent, Lsn switchPoint) {
    /** The last branch a history file records; null for an empty one. */
    public static Branch parse(String history) {
      List<Branch> all = all(history);
      return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * Every line of a history file, oldest first: each ancestor timeline and where its child branched off it.
     *
     * @throws IllegalArgumentException quoting the first line that is not {@code <timeline> <LSN> <reason>}
     */
    public static List<Branch> all(String history) {
      List<Branch> all = new ArrayList<>();
      for (String line : history.split("\n")) {
        String[] f = line.strip().split("\\s+");
        if (f.length >= 2 && !f[0].isEmpty() && !f[0].startsWith("#")) {
          try {
            all.add(new Branch(Integer.parseInt(f[0]), Lsn.parse(f[1])));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("its line '" + line.strip() + "' is not '<parent timeline> <switch LSN>"
                + " <reason>'", e);
          }
        }
      }
      return all;
    }
  }

  /**
   * Reads back every object; a segment must also carry its own address in its first page header,
   * written on the timeline PostgreSQL was on at the segment's start ({@link #firstPageTimeline}).
   */
  private int readEverything(WalListing listing, List<Problem> problems) {
    SortedMap<String, WalSegment> keys = new TreeMap<>();
    listing.segments().forEach((s, k) -> keys.put(k, s));
    listing.partials().values().forEach(ds -> ds.forEach(d -> keys.put(d.key(), null)));
    listing.histories().values().forEach(k -> keys.put(k, null));
    Map<Integer, List<Branch>> histories = new java.util.HashMap<>();
    int read = 0;
    for (Map.Entry<String, WalSegment> e : keys.entrySet()) {
      try {
        byte[] content = archive.readVerified(e.getKey());
        read++;
        WalSegment s = e.getValue();
        if (s != null) {
          String wrong = pageHeaderMismatch(s, firstPageTimeline(s, history(listing, s.timeline(), histories)), content);
          if (wrong != null) {
            problems.add(new Problem("damaged", "segment " + s + " (" + e.getKey() + "): " + wrong));
          }
        }
      } catch (IOException ex) {
        problems.add(new Problem("damaged", ex.getMessage()));
      }
    }
    return read;
  }

  /** The branches of {@code tli}'s history file, read once; empty for timeline 1, a missing or unreadable file. */
  private List<Branch> history(WalListing listing, int tli, Map<Integer, List<Branch>> read) {
    return read.computeIfAbsent(tli, t -> {
      String key = listing.histories().get(t);
      try {
        return key == null ? List.of() : Branch.all(new String(archive.readVerified(key), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        return List.of(); // reported on its own: as damaged, or as a timeline break
      }
    });
  }

  /**
   * The timeline whose page header opens {@code s}. A promotion in the middle of a segment makes
   * PostgreSQL copy the parent's segment up to the switch point into the new timeline's: that
   * segment's first page is the parent's (or an older ancestor's, when several switches fall in one
   * segment), as {@code history} says for the segment's start. Every other segment opens on its own.
   */
  static int firstPageTimeline(WalSegment s, List<Branch> history) {
    if (history.isEmpty()) {
      return s.timeline();
    }
    WalSegment branch = WalSegment.containing(s.timeline(), history.get(history.size() - 1).switchPoint().value(),
        s.segmentSize());
    if (!branch.equals(s)) {
      return s.timeline();
    }
    for (Branch b : history) {
      if (s.startLsn() < b.switchPoint().value()) {
        return b.parent();
      }
    }
    return s.timeline(); // the switch is at the segment's very start: nothing was copied
  }

  /** XLogPageHeaderData: magic (2), info (2), timeline (4), page address (8), little-endian on every platform we run. */
  static String pageHeaderMismatch(WalSegment s, int expectedTimeline, byte[] content) {
    ByteBuffer b = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    int tli = b.getInt(4);
    long pageAddr = b.getLong(8);
    // The segment's own timeline is accepted too: that is what a switch at the segment's start writes.
    if (pageAddr != s.startLsn() || tli != expectedTimeline && tli != s.timeline()) {
      return "its first page says timeline " + tli + " at " + new Lsn(pageAddr) + ", not timeline " + expectedTimeline + " at "
          + new Lsn(s.startLsn()) + (expectedTimeline != s.timeline() ? " (the switch to timeline " + s.timeline()
              + " is in this segment: PostgreSQL copied it from timeline " + expectedTimeline + ")" : "");
    }
    return null;
  }

  private static WalSegment firstOn(WalListing listing, int tli) {
    WalSegment first = null;
    for (WalSegment s : listing.segments().keySet()) {
      if (s.timeline() == tli && (first == null || s.compareTo(first) < 0)) {
        first = s;
      }
    }
    for (Map.Entry<WalSegment, Integer> e : listing.partialEnds().entrySet()) {
      if (e.getKey().timeline() == tli && e.getValue() > 0 && (first == null || e.getKey().compareTo(first) < 0)) {
        first = e.getKey();
      }
    }
    return first;
  }

  /** End (exclusive) of the newest WAL archived on {@code tli}, complete segments and partial deltas alike, or null. */
  public static Lsn lastArchived(WalListing listing, int tli) {
    long best = -1;
    for (WalSegment s : listing.segments().keySet()) {
      if (s.timeline() == tli) {
        best = Math.max(best, s.endLsn());
      }
    }
    for (Map.Entry<WalSegment, Integer> e : listing.partialEnds().entrySet()) {
      if (e.getKey().timeline() == tli && e.getValue() > 0) {
        best = Math.max(best, e.getKey().startLsn() + e.getValue());
      }
    }
    return best < 0 ? null : new Lsn(best);
  }
}
