package io.dbrunbooks.activities.postgres;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@code pg_basebackup -v} reports on stderr about the WAL the backup spans. */
record BasebackupLog(String startLsn, String stopLsn, int timeline) {
  private static final Pattern START =
      Pattern.compile("write-ahead log start point: ([0-9A-F]+/[0-9A-F]+) on timeline (\\d+)");
  private static final Pattern END = Pattern.compile("write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)");

  /** Fields not found are null (or 0 for the timeline). */
  static BasebackupLog parse(String stderr) {
    Matcher s = START.matcher(stderr);
    Matcher e = END.matcher(stderr);
    boolean hasStart = s.find();
    return new BasebackupLog(hasStart ? s.group(1) : null, e.find() ? e.group(1) : null,
        hasStart ? Integer.parseInt(s.group(2)) : 0);
  }
}
