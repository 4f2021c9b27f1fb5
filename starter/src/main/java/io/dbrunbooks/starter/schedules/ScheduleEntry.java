package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbrunbooks.workflows.schedule.ScheduledRunbook;
import java.util.List;

/**
 * One entry of the schedules file: a Temporal Schedule {@code db-runbooks/<id>} that starts
 * {@code runbook} on {@code target} through {@code ScheduledRunWorkflow}. See
 * {@code docs/schedules.md} and {@code docs/schedules.schema.json}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleEntry(
    String id,
    String target,
    ScheduledRunbook runbook,
    String backupClass,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<CalendarEntry> calendar,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cron,
    String timeZone,
    String catchupWindow,
    String jitter,
    Boolean paused,
    String note,
    ObjectNode input) {

  public static final String DEFAULT_TIME_ZONE = "UTC";
  public static final String DEFAULT_CATCHUP_WINDOW = "10m";

  /** The entry with every default written out, so that leaving a default out and writing it compare equal. */
  public ScheduleEntry withDefaults() {
    return new ScheduleEntry(id, target, runbook, backupClass, calendar == null ? List.of() : calendar,
        cron == null ? List.of() : cron, timeZone == null ? DEFAULT_TIME_ZONE : timeZone,
        catchupWindow == null ? DEFAULT_CATCHUP_WINDOW : catchupWindow, jitter, paused != null && paused, note,
        input == null ? JsonNodeFactory.instance.objectNode() : input);
  }

  public boolean isPaused() {
    return paused != null && paused;
  }

  /** {@code cron "0 0/6 * * *"} or {@code calendar hour=2; dayOfWeek=sun hour=6}, with the time zone. */
  public String specSummary() {
    StringBuilder b = new StringBuilder();
    if (cron != null && !cron.isEmpty()) {
      b.append("cron ").append(String.join(", ", cron.stream().map(c -> "\"" + c + "\"").toList()));
    }
    if (calendar != null && !calendar.isEmpty()) {
      b.append(b.length() == 0 ? "calendar " : "; calendar ")
          .append(String.join("; ", calendar.stream().map(CalendarEntry::summary).toList()));
    }
    return b + " " + (timeZone == null ? DEFAULT_TIME_ZONE : timeZone);
  }
}
