package io.dbrunbooks.starter.status;

import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleListDescription;
import java.time.Instant;
import java.util.List;

/**
 * A schedule of the target: the ones {@code runbooks schedules sync} owns are named
 * {@code db-runbooks/<entry-id>} and carry the memo {@code target=<t>}.
 *
 * @param nextRun the next start Temporal has computed, null when paused or none is due
 */
public record ScheduleSummary(String scheduleId, boolean paused, String note, Instant nextRun) {
  static final String PREFIX = "db-runbooks/";

  public static List<ScheduleSummary> of(ScheduleClient schedules, String target) {
    return schedules.listSchedules().filter(d -> d.getScheduleId().startsWith(PREFIX) && target.equals(memoTarget(d)))
        .map(d -> {
          boolean paused = d.getSchedule() != null && d.getSchedule().getState() != null && d.getSchedule().getState().isPaused();
          String note = d.getSchedule() == null || d.getSchedule().getState() == null ? null : d.getSchedule().getState().getNote();
          List<Instant> next = d.getInfo() == null ? List.of() : d.getInfo().getNextActionTimes();
          return new ScheduleSummary(d.getScheduleId(), paused, note == null || note.isBlank() ? null : note,
              paused || next.isEmpty() ? null : next.get(0));
        })
        .sorted(java.util.Comparator.comparing(ScheduleSummary::scheduleId))
        .toList();
  }

  private static String memoTarget(ScheduleListDescription d) {
    try {
      Object t = d.getMemo("target", String.class);
      return t == null ? null : t.toString();
    } catch (RuntimeException e) {
      return null; // a foreign schedule's memo of another shape
    }
  }
}
