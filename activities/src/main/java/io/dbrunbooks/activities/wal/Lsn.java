package io.dbrunbooks.activities.wal;

/** A WAL location as PostgreSQL prints it ({@code 16/B374D848}): the high and low 32 bits in hex. */
public record Lsn(long value) implements Comparable<Lsn> {
  /**
   * The largest location handled, 7FFFFFFF/FFFFFFFF: 8 EiB of WAL, more than any server writes in
   * centuries. Larger ones ({@code FFFFFFFF/FFFFFFFF}) are refused rather than wrapped to negative.
   */
  public static final Lsn MAX = new Lsn(Long.MAX_VALUE);

  public Lsn {
    if (value < 0) {
      throw new IllegalArgumentException("LSN out of range: " + Long.toUnsignedString(value));
    }
  }

  /**
   * @throws IllegalArgumentException naming the text when it is not {@code X/Y} in hex, or is beyond
   *     {@link #MAX}
   */
  public static Lsn parse(String text) {
    int slash = text == null ? -1 : text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || text.length() - slash - 1 > 8 || slash > 8) {
      throw new IllegalArgumentException("not a WAL location: '" + text + "' (expected hex like 16/B374D848)");
    }
    try {
      long hi = Long.parseLong(text.substring(0, slash), 16);
      long lo = Long.parseLong(text.substring(slash + 1), 16);
      if (hi > 0x7FFFFFFFL) {
        throw new IllegalArgumentException("WAL location '" + text + "' is beyond the largest one handled, " + MAX
            + " (8 EiB of WAL)");
      }
      return new Lsn((hi << 32) | lo);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a WAL location: '" + text + "' (expected hex like 16/B374D848)");
    }
  }

  @Override
  public int compareTo(Lsn o) {
    return Long.compare(value, o.value);
  }

  @Override
  public String toString() {
    return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
  }
}
