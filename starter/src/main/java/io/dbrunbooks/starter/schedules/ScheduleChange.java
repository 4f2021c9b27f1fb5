package io.dbrunbooks.starter.schedules;

import java.util.List;

/**
 * What a sync does (or, in a dry run, would do) to one schedule.
 *
 * @param fields for an update, the entry fields that differ from what was last applied, e.g.
 *     {@code calendar}, {@code catchupWindow}; {@code action (changed outside the file)} when the live
 *     schedule no longer matches what was applied
 */
public record ScheduleChange(Kind kind, String entryId, List<String> fields, String summary) {

  public enum Kind {
    CREATE("created", "would create"),
    UPDATE("updated", "would update"),
    DELETE("deleted", "would delete"),
    UNCHANGED("unchanged", "unchanged");

    final String done;
    final String planned;

    Kind(String done, String planned) {
      this.done = done;
      this.planned = planned;
    }
  }

  public String scheduleId() {
    return ManagedSchedule.scheduleId(entryId);
  }

  /** One line of the sync's report. */
  public String line(boolean dryRun) {
    String verb = dryRun ? kind.planned : kind.done;
    String what = switch (kind) {
      case UPDATE -> String.join(", ", fields);
      case DELETE -> "no longer in the file";
      default -> summary;
    };
    return String.format("  %-12s %-34s %s", verb, scheduleId(), what);
  }
}
