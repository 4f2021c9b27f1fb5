package io.dbrunbooks.activities.wal;

import java.util.regex.Pattern;

/**
 * One WAL segment file: timeline plus segment number, named as PostgreSQL names it
 * ({@code 000000010000000A000000FF}: timeline, then the segment number split into "log" and "seg"
 * parts, each 8 hex digits). Ordered by timeline, then position.
 */
public record WalSegment(int timeline, long segNo, int segmentSize) implements Comparable<WalSegment> {
  private static final Pattern NAME = Pattern.compile("[0-9A-F]{24}");
  private static final long FOUR_GB = 0x1_0000_0000L;

  public WalSegment {
    if (timeline < 1) {
      throw new IllegalArgumentException("timeline must be at least 1, got " + timeline);
    }
    if (segmentSize < (1 << 20) || segmentSize > (1 << 30) || Integer.bitCount(segmentSize) != 1) {
      throw new IllegalArgumentException("WAL segment size must be a power of two from 1 MB to 1 GB, got " + segmentSize);
    }
    if (segNo < 0) {
      throw new IllegalArgumentException("negative segment number " + segNo);
    }
  }

  public static boolean isSegmentName(String name) {
    return NAME.matcher(name).matches();
  }

  /** @throws IllegalArgumentException when {@code name} is not a 24-hex-digit segment name */
  public static WalSegment parse(String name, int segmentSize) {
    if (name == null || !isSegmentName(name)) {
      throw new IllegalArgumentException("not a WAL segment name: '" + name + "' (24 upper-case hex digits)");
    }
    int timeline = (int) Long.parseLong(name.substring(0, 8), 16);
    long log = Long.parseLong(name.substring(8, 16), 16);
    long seg = Long.parseLong(name.substring(16, 24), 16);
    long perLog = FOUR_GB / segmentSize;
    if (seg >= perLog) {
      throw new IllegalArgumentException("not a WAL segment name for " + segmentSize + "-byte segments: '" + name + "'");
    }
    return new WalSegment(timeline, log * perLog + seg, segmentSize);
  }

  public static WalSegment containing(int timeline, long lsn, int segmentSize) {
    return new WalSegment(timeline, Long.divideUnsigned(lsn, segmentSize), segmentSize);
  }

  public String name() {
    long perLog = FOUR_GB / segmentSize;
    return String.format("%08X%08X%08X", timeline, segNo / perLog, segNo % perLog);
  }

  public long startLsn() {
    return segNo * segmentSize;
  }

  /** First LSN after this segment. */
  public long endLsn() {
    return startLsn() + segmentSize;
  }

  public WalSegment next() {
    return new WalSegment(timeline, segNo + 1, segmentSize);
  }

  public WalSegment onTimeline(int otherTimeline) {
    return new WalSegment(otherTimeline, segNo, segmentSize);
  }

  /** Byte offset of {@code lsn} in this segment; {@code endLsn()} gives {@code segmentSize}. */
  public int offsetOf(long lsn) {
    if (lsn < startLsn() || lsn > endLsn()) {
      throw new IllegalArgumentException(new Lsn(lsn) + " is not in segment " + name());
    }
    return (int) (lsn - startLsn());
  }

  @Override
  public int compareTo(WalSegment o) {
    int c = Integer.compare(timeline, o.timeline);
    return c != 0 ? c : Long.compare(segNo, o.segNo);
  }

  @Override
  public String toString() {
    return name();
  }
}
