package io.dbrunbooks.starter.schedules;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the schedules file writes them: {@code 30s}, {@code 10m}, {@code 1h30m}, {@code 1d}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]+)([smhd])");

  private Durations() {}

  static Duration parse(String text) {
    Duration d = Duration.ZERO;
    Matcher m = PART.matcher(text);
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
      end = m.end();
    }
    if (end != text.length() || end == 0) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 30s, 10m, 1h30m or 1d");
    }
    return d;
  }
}
