package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.schedule.ScheduledRunRequest;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflow;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.EncodedValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a schedules-file entry becomes a Temporal Schedule, and how such a schedule is recognised as
 * ours: schedule id {@code db-runbooks/<id>}, schedule memo {@code managedBy: db-runbooks} and
 * {@code entry: <id>}, search attributes {@code RunbookTarget} and {@code RunbookName}. The entry as
 * last applied travels in the action's memo ({@value #APPLIED_MEMO}; a schedule's own memo cannot
 * be updated), which is what a later sync compares the file with.
 */
public final class ManagedSchedule {
  public static final String ID_PREFIX = "db-runbooks/";
  public static final String MANAGED_BY_MEMO = "managedBy";
  public static final String MANAGED_BY = "db-runbooks";
  public static final String ENTRY_MEMO = "entry";
  public static final String APPLIED_MEMO = "dbRunbooksEntry";

  /** Sorted keys, no defaults left implicit: equal entries give equal strings. */
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private ManagedSchedule() {}

  public static String scheduleId(String entryId) {
    return ID_PREFIX + entryId;
  }

  /** The entry id of a schedule id, accepting both {@code orders-daily} and {@code db-runbooks/orders-daily}. */
  public static String entryId(String idOrScheduleId) {
    return idOrScheduleId.startsWith(ID_PREFIX) ? idOrScheduleId.substring(ID_PREFIX.length()) : idOrScheduleId;
  }

  /** The entry as a sync records it, with its defaults written out. */
  static String applied(ScheduleEntry entry) {
    try {
      return CANONICAL.writeValueAsString(CANONICAL.valueToTree(entry.withDefaults()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The entry a recorded tree stands for. */
  static ScheduleEntry entry(JsonNode applied) {
    try {
      return CANONICAL.treeToValue(applied, ScheduleEntry.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a schedules-file entry: " + e.getOriginalMessage(), e);
    }
  }

  static JsonNode tree(String applied) {
    try {
      return CANONICAL.readTree(applied);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The request every start of this schedule passes to {@code ScheduledRunWorkflow}. */
  static ScheduledRunRequest request(ScheduleEntry e) {
    ObjectNode input = e.input() == null ? CANONICAL.createObjectNode() : e.input().deepCopy();
    if (e.backupClass() != null) {
      input.put("backupClass", e.backupClass());
    }
    return new ScheduledRunRequest(e.id(), e.target(), e.runbook(), input);
  }

  /** The request as JSON, as the schedule stores it. */
  static JsonNode requestJson(ScheduleEntry e) {
    return CANONICAL.valueToTree(request(e));
  }

  /** The Temporal Schedule for {@code e}; {@code state} is the file's unless a sync keeps a live one. */
  static Schedule schedule(ScheduleEntry e, ScheduleState state) {
    ScheduleEntry d = e.withDefaults();
    List<ScheduleCalendarSpec> calendars = new ArrayList<>();
    for (CalendarEntry c : d.calendar()) {
      ScheduleCalendarSpec.Builder b = ScheduleCalendarSpec.newBuilder();
      if (c.second() != null) b.setSeconds(CalendarField.SECOND.parse(c.second()));
      if (c.minute() != null) b.setMinutes(CalendarField.MINUTE.parse(c.minute()));
      if (c.hour() != null) b.setHour(CalendarField.HOUR.parse(c.hour()));
      if (c.dayOfMonth() != null) b.setDayOfMonth(CalendarField.DAY_OF_MONTH.parse(c.dayOfMonth()));
      if (c.month() != null) b.setMonth(CalendarField.MONTH.parse(c.month()));
      if (c.dayOfWeek() != null) b.setDayOfWeek(CalendarField.DAY_OF_WEEK.parse(c.dayOfWeek()));
      if (c.comment() != null) b.setComment(c.comment());
      calendars.add(b.build());
    }
    ScheduleSpec.Builder spec = ScheduleSpec.newBuilder()
        .setCalendars(calendars)
        .setCronExpressions(d.cron())
        .setTimeZoneName(d.timeZone());
    if (d.jitter() != null) {
      spec.setJitter(Durations.parse(d.jitter()));
    }
    return Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(ScheduledRunWorkflow.TYPE)
            .setArguments(RunbookInput.of(request(e)))
            .setOptions(WorkflowOptions.newBuilder()
                .setWorkflowId(ScheduledRunWorkflow.workflowIdPrefix(e.id()))
                .setTaskQueue(TaskQueues.RUNBOOKS)
                .setMemo(Map.of(APPLIED_MEMO, applied(e)))
                .build())
            .build())
        .setSpec(spec.build())
        .setPolicy(SchedulePolicy.newBuilder()
            // The runbook's own lock decides between schedules and manual starts; SKIP keeps one
            // schedule from piling up starts behind a run that is still going.
            .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
            .setCatchupWindow(Durations.parse(d.catchupWindow()))
            .build())
        .setState(state)
        .build();
  }

  /** The paused state and note the file asks for. */
  static ScheduleState fileState(ScheduleEntry e) {
    return ScheduleState.newBuilder().setPaused(e.isPaused()).setNote(e.note() == null ? "" : e.note()).build();
  }

  static SearchAttributes searchAttributes(ScheduleEntry e) {
    return SearchAttributes.newBuilder()
        .set(RunbookSearchAttributes.TARGET, e.target())
        .set(RunbookSearchAttributes.RUNBOOK, e.runbook().word())
        .build();
  }

  static Map<String, Object> memo(ScheduleEntry e) {
    return Map.of(MANAGED_BY_MEMO, MANAGED_BY, ENTRY_MEMO, e.id());
  }

  /** The last-applied entry from a described action's memo, or null when there is none. */
  static JsonNode appliedOf(Schedule live) {
    if (!(live.getAction() instanceof ScheduleActionStartWorkflow a) || a.getOptions() == null || a.getOptions().getMemo() == null) {
      return null;
    }
    Object v = a.getOptions().getMemo().get(APPLIED_MEMO);
    // A described action's memo values come back encoded (EncodedValues), a built one's as given.
    String s = v instanceof EncodedValues ev ? ev.get(0, String.class)
        : v instanceof Payload p ? DefaultDataConverter.STANDARD_INSTANCE.fromPayload(p, String.class, String.class)
        : v == null ? null : String.valueOf(v);
    return s == null ? null : tree(s);
  }
}
