package io.dbrunbooks.starter.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleListDescription;
import java.time.Instant;
import java.util.List;

/**
 * A schedule of the target: one named {@code db-runbooks/<entry-id>} (as {@code runbooks schedules
 * sync} names the schedules it owns) whose memo {@code target} is the target or, without such a
 * memo, whose workflow start carries the target in its input ({@code {"target": ...}}).
 *
 * @param nextRun the next start Temporal has computed, null when paused or none is due
 */
public record ScheduleSummary(String scheduleId, boolean paused, String note, Instant nextRun) {
  static final String PREFIX = "db-runbooks/";

  public static List<ScheduleSummary> of(ScheduleClient schedules, String target) {
    return schedules.listSchedules().filter(d -> d.getScheduleId().startsWith(PREFIX) && target.equals(targetOf(schedules, d)))
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

  private static String targetOf(ScheduleClient schedules, ScheduleListDescription d) {
    try {
      Object t = d.getMemo("target", String.class);
      if (t != null) {
        return t.toString();
      }
    } catch (RuntimeException e) {
      // a memo of another shape: look at the input
    }
    try {
      if (schedules.getHandle(d.getScheduleId()).describe().getSchedule().getAction() instanceof ScheduleActionStartWorkflow a
          && a.getArguments() != null && a.getArguments().getSize() > 0) {
        JsonNode input = a.getArguments().get(0, JsonNode.class);
        return input == null ? null : input.path("target").asText(null);
      }
    } catch (RuntimeException e) {
      return null; // deleted meanwhile, or an input that is not a JSON object
    }
    return null;
  }
}
