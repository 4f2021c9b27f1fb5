package io.dbrunbooks.starter.schedules;

/**
 * One calendar of a schedule, each field in Temporal's calendar syntax ({@code *}, {@code 2},
 * {@code 1-7}, {@code 0/6}, {@code mon,wed}); a field left out takes Temporal's default (second,
 * minute and hour 0, the others every one).
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record CalendarEntry(
    String second, String minute, String hour, String dayOfMonth, String month, String dayOfWeek, String comment) {

  /** {@code dayOfWeek=MON dayOfMonth=1-7 hour=2}: the fields as written, for listings. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    append(b, "month", month);
    append(b, "dayOfWeek", dayOfWeek);
    append(b, "dayOfMonth", dayOfMonth);
    append(b, "hour", hour);
    append(b, "minute", minute);
    append(b, "second", second);
    return b.length() == 0 ? "midnight daily" : b.toString();
  }

  private static void append(StringBuilder b, String name, String value) {
    if (value != null) {
      b.append(b.length() == 0 ? "" : " ").append(name).append('=').append(value);
    }
  }
}
