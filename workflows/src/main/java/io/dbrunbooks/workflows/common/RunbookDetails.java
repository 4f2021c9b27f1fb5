package io.dbrunbooks.workflows.common;

import java.time.Instant;
import java.util.Locale;

/**
 * The Markdown a runbook shows as "current details" in the Web UI (and {@code temporal workflow
 * metadata}): a title, then one short line per fact, so a person reads at a glance what the run is,
 * where it is, what it waits for and since when. Times are absolute (the details are set when
 * something happens, not on every look); live byte counts come from the step's heartbeat, which
 * {@code runbooks status} reads.
 */
public final class RunbookDetails {
  private final StringBuilder sb = new StringBuilder();

  private RunbookDetails(String title) {
    sb.append(title);
  }

  /** {@code **Backup** `orders-2026…` of **orders**}; the id is left out while unknown. */
  public static RunbookDetails of(String runbook, String id, String target) {
    return new RunbookDetails("**" + runbook + "**" + (id == null ? "" : " `" + id + "`") + " of **" + target + "**\n");
  }

  /** A line {@code - **label**: value}; nothing when the value is null. */
  public RunbookDetails row(String label, Object value) {
    if (value != null) {
      sb.append("\n- **").append(label).append("**: ").append(value);
    }
    return this;
  }

  /** A line whose value a person typed (an operator): shown as typed, see {@link #escape}. */
  public RunbookDetails typed(String label, String value) {
    return value == null ? this : row(label, escape(value));
  }

  /** Bytes and a rate, e.g. {@code 738.0 MiB at 41.2 MiB/s}; nothing before the first byte. */
  public RunbookDetails bytes(String label, long bytes, double bytesPerSecond, String asOf) {
    if (bytes <= 0) {
      return this;
    }
    String rate = bytesPerSecond > 0 ? String.format(Locale.ROOT, " at %.1f MiB/s", bytesPerSecond / 1048576.0) : "";
    return row(label, String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0) + rate + (asOf == null ? "" : " (as of " + asOf + ")"));
  }

  /** A free paragraph after the rows, e.g. the command that approves. */
  public RunbookDetails paragraph(String text) {
    if (text != null) {
      sb.append("\n\n").append(text);
    }
    return this;
  }

  /**
   * Text a person typed (an operator, a ticket) shown as itself: Markdown's own characters are
   * escaped, so a ticket cannot become a link or a heading in the Web UI.
   */
  public static String escape(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      if ("\\`*_[]()<>#!|{}".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** ISO-8601 UTC to the second, for "started" and "as of" lines. */
  public static String at(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis - epochMillis % 1000).toString();
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
