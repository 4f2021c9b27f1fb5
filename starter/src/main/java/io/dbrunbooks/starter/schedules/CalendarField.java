package io.dbrunbooks.starter.schedules;

import io.temporal.client.schedules.ScheduleRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One field of a calendar in Temporal's syntax, turned into the ranges the SDK's
 * {@code ScheduleCalendarSpec} takes: a comma-separated list of {@code *}, {@code N}, {@code N-M},
 * {@code N/S}, {@code N-M/S} or {@code *}{@code /S}; months and days of the week also by name.
 */
enum CalendarField {
  SECOND("second", 0, 59, List.of()),
  MINUTE("minute", 0, 59, List.of()),
  HOUR("hour", 0, 23, List.of()),
  DAY_OF_MONTH("dayOfMonth", 1, 31, List.of()),
  MONTH("month", 1, 12, List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
  DAY_OF_WEEK("dayOfWeek", 0, 6, List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat"));

  final String field;
  private final int min;
  private final int max;
  private final List<String> names;

  CalendarField(String field, int min, int max, List<String> names) {
    this.field = field;
    this.min = min;
    this.max = max;
    this.names = names;
  }

  /** This field of {@code calendar} as written, or null when left out. */
  String of(CalendarEntry calendar) {
    return switch (this) {
      case SECOND -> calendar.second();
      case MINUTE -> calendar.minute();
      case HOUR -> calendar.hour();
      case DAY_OF_MONTH -> calendar.dayOfMonth();
      case MONTH -> calendar.month();
      case DAY_OF_WEEK -> calendar.dayOfWeek();
    };
  }

  /**
   * The ranges {@code text} stands for.
   *
   * @throws IllegalArgumentException with a sentence naming what is wrong
   */
  List<ScheduleRange> parse(String text) {
    List<ScheduleRange> ranges = new ArrayList<>();
    for (String part : text.split(",")) {
      String item = part.strip();
      int step = 1;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        step = number(item.substring(slash + 1), "step");
        if (step < 1) {
          throw new IllegalArgumentException("step " + step + " in '" + text + "' must be at least 1");
        }
        item = item.substring(0, slash);
      }
      int start;
      int end;
      if (item.equals("*")) {
        start = min;
        end = max;
      } else {
        int dash = item.indexOf('-');
        start = value(dash < 0 ? item : item.substring(0, dash), text);
        end = dash < 0 ? (slash >= 0 ? max : start) : value(item.substring(dash + 1), text);
        if (end < start) {
          throw new IllegalArgumentException("range '" + item + "' in '" + text + "' ends before it starts");
        }
      }
      ranges.add(new ScheduleRange(start, end, step));
    }
    return ranges;
  }

  private int value(String s, String text) {
    String word = s.strip().toLowerCase(Locale.ROOT);
    for (int i = 0; i < names.size(); i++) {
      if (word.equals(names.get(i)) || word.length() > 3 && fullName(i).equals(word)) {
        return i + min;
      }
    }
    int v;
    try {
      v = Integer.parseInt(word);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' in '" + text + "' is not " + (names.isEmpty() ? "a number"
          : "a number or one of " + String.join(", ", names)));
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(v + " in '" + text + "' is outside " + min + "-" + max);
    }
    return v;
  }

  private String fullName(int i) {
    return this == MONTH
        ? java.time.Month.of(i + 1).name().toLowerCase(Locale.ROOT)
        : java.time.DayOfWeek.of(i == 0 ? 7 : i).name().toLowerCase(Locale.ROOT);
  }

  private static int number(String s, String what) {
    try {
      return Integer.parseInt(s.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " '" + s + "' is not a number");
    }
  }
}
