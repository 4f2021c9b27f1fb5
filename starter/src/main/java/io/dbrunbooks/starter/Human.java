package io.dbrunbooks.starter;

import java.util.Locale;

/** Number formats for people: sizes in binary units, durations in seconds or minutes. */
public final class Human {
  private Human() {}

  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  public static String rate(double bytesPerSecond) {
    return bytes((long) bytesPerSecond) + "/s";
  }

  public static String seconds(double s) {
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", s);
    }
    long total = Math.round(s);
    return String.format(Locale.ROOT, "%d min %02d s", total / 60, total % 60);
  }
}
