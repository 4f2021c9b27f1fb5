package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.client.schedules.ScheduleUpdate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Makes the Temporal Schedules match a schedules file, touching only schedules it owns (schedule
 * memo {@code managedBy: db-runbooks}). Plans first, by describing each schedule (a describe is
 * current, the schedule list may lag behind a change just made); then applies the plan unless it is
 * a dry run. Applying the same file twice changes nothing the second time.
 */
public final class ScheduleSync {
  private final ScheduleClient client;

  public ScheduleSync(ScheduleClient client) {
    this.client = client;
  }

  /** The entries' targets must be in the targets file: a schedule of an unknown target would fail at every start. */
  public static void checkTargets(SchedulesFile file, TargetsConfig targets) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < file.schedules().size(); i++) {
      ScheduleEntry e = file.schedules().get(i);
      if (!targets.targets().containsKey(e.target())) {
        String at = "schedules[" + i + "].target";
        problems.add(file.where().apply(at) + ": " + at + ": unknown target '" + e.target() + "'; the targets file "
            + targets.source() + " defines " + String.join(", ", new TreeSet<>(targets.targets().keySet())));
      }
    }
    if (!problems.isEmpty()) {
      throw new SchedulesFileException(file.source(), problems);
    }
  }

  /** What a sync of {@code file} would do, in file order, then the deletions. */
  public List<ScheduleChange> plan(SchedulesFile file) {
    List<ScheduleChange> changes = new ArrayList<>();
    for (ScheduleEntry e : file.schedules()) {
      Optional<ScheduleDescription> live = describe(ManagedSchedule.scheduleId(e.id()));
      if (live.isEmpty()) {
        changes.add(new ScheduleChange(ScheduleChange.Kind.CREATE, e.id(), List.of(), summary(e)));
        continue;
      }
      if (!owned(live.get())) {
        throw new IllegalStateException("schedule " + ManagedSchedule.scheduleId(e.id()) + " exists but was not created by"
            + " runbooks schedules sync (its memo lacks managedBy=db-runbooks): rename the entry or delete that schedule");
      }
      List<String> fields = differences(e, live.get().getSchedule());
      changes.add(new ScheduleChange(fields.isEmpty() ? ScheduleChange.Kind.UNCHANGED : ScheduleChange.Kind.UPDATE, e.id(), fields,
          summary(e)));
    }
    Map<String, ScheduleEntry> inFile = file.schedules().stream().collect(Collectors.toMap(ScheduleEntry::id, e -> e));
    for (String id : ownedIds()) {
      if (!inFile.containsKey(id) && describe(ManagedSchedule.scheduleId(id)).filter(ScheduleSync::owned).isPresent()) {
        changes.add(new ScheduleChange(ScheduleChange.Kind.DELETE, id, List.of(), null));
      }
    }
    return changes;
  }

  /** Carries out {@code changes} for {@code file}. */
  public void apply(SchedulesFile file, List<ScheduleChange> changes) {
    Map<String, ScheduleEntry> byId = new LinkedHashMap<>();
    file.schedules().forEach(e -> byId.put(e.id(), e));
    for (ScheduleChange c : changes) {
      ScheduleEntry e = byId.get(c.entryId());
      try {
        apply(c, e);
      } catch (RuntimeException refused) {
        throw refusedByTemporal(file, e, refused);
      }
    }
  }

  private void apply(ScheduleChange c, ScheduleEntry e) {
    switch (c.kind()) {
      case CREATE -> client.createSchedule(c.scheduleId(), ManagedSchedule.schedule(e, ManagedSchedule.fileState(e)),
          ScheduleOptions.newBuilder()
              .setMemo(ManagedSchedule.memo(e))
              .setTypedSearchAttributes(ManagedSchedule.searchAttributes(e))
              .build());
      case UPDATE -> client.getHandle(c.scheduleId()).update(in -> {
        Schedule live = in.getDescription().getSchedule();
        JsonNode applied = ManagedSchedule.appliedOf(live);
        boolean stateInFile = applied == null || !Objects.equals(applied.path("paused").asBoolean(false), e.isPaused())
            || !Objects.equals(text(applied.get("note")), e.note());
        // A pause by hand (runbooks schedules pause, temporal schedule toggle) outlives a sync that
        // does not change the entry's own paused or note.
        ScheduleState state = stateInFile ? ManagedSchedule.fileState(e) : live.getState();
        return new ScheduleUpdate(ManagedSchedule.schedule(e, state), ManagedSchedule.searchAttributes(e));
      });
      case DELETE -> client.getHandle(c.scheduleId()).delete();
      case UNCHANGED -> { }
    }
  }

  /**
   * Temporal judges what the schema cannot (a cron string's fields): its refusal of an entry is
   * reported at the entry's spec, like any other problem of the file.
   */
  private static RuntimeException refusedByTemporal(SchedulesFile file, ScheduleEntry e, RuntimeException refused) {
    for (Throwable t = refused; t != null && e != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
          && !String.valueOf(s.getStatus().getDescription()).toLowerCase(java.util.Locale.ROOT).contains("search attribute")) {
        int i = file.schedules().indexOf(e);
        String at = "schedules[" + i + "]." + (e.cron() != null && !e.cron().isEmpty() ? "cron" : "calendar");
        return new SchedulesFileException(file.source(), List.of(file.where().apply(at) + ": " + at
            + ": Temporal refused the schedule: " + s.getStatus().getDescription()));
      }
    }
    return refused;
  }

  /** The entry fields that differ from the last applied ones, and what changed on the live schedule by hand. */
  static List<String> differences(ScheduleEntry e, Schedule live) {
    List<String> fields = new ArrayList<>();
    JsonNode applied = ManagedSchedule.appliedOf(live);
    JsonNode wanted = ManagedSchedule.tree(ManagedSchedule.applied(e));
    if (applied == null) {
      fields.add("everything (no record of the last sync on the schedule)");
      return fields;
    }
    TreeSet<String> names = new TreeSet<>();
    wanted.fieldNames().forEachRemaining(names::add);
    applied.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      if (!Objects.equals(wanted.get(name), applied.get(name))) {
        fields.add(name);
      }
    }
    // What the schedule should look like if nobody touched it since the last sync.
    ScheduleEntry last;
    try {
      last = ManagedSchedule.entry(applied);
    } catch (RuntimeException unreadable) {
      fields.add("everything (the record of the last sync is unreadable)");
      return fields;
    }
    Schedule expected = ManagedSchedule.schedule(last, ManagedSchedule.fileState(last));
    if (!sameAction(last, expected, live)) {
      fields.add("action (changed outside the file)");
    }
    if (live.getPolicy() == null || expected.getPolicy().getOverlap() != live.getPolicy().getOverlap()
        || !Objects.equals(expected.getPolicy().getCatchupWindow(), live.getPolicy().getCatchupWindow())) {
      fields.add("policy (changed outside the file)");
    }
    if (!Objects.equals(expected.getSpec().getTimeZoneName(), live.getSpec().getTimeZoneName())) {
      fields.add("timeZone (changed outside the file)");
    }
    return fields;
  }

  private static boolean sameAction(ScheduleEntry e, Schedule desired, Schedule live) {
    if (!(live.getAction() instanceof ScheduleActionStartWorkflow l)) {
      return false;
    }
    ScheduleActionStartWorkflow d = (ScheduleActionStartWorkflow) desired.getAction();
    JsonNode liveArgs;
    try {
      liveArgs = l.getArguments().get(0, JsonNode.class);
    } catch (RuntimeException undecodable) {
      return false;
    }
    return ScheduledRunWorkflow.TYPE.equals(l.getWorkflowType())
        && TaskQueues.RUNBOOKS.equals(l.getOptions().getTaskQueue())
        && Objects.equals(d.getOptions().getWorkflowId(), l.getOptions().getWorkflowId())
        && ManagedSchedule.requestJson(e).equals(liveArgs);
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  /** {@code backup of orders, calendar hour=2 UTC}. */
  static String summary(ScheduleEntry e) {
    return e.runbook().word() + (e.backupClass() == null ? "" : " (" + e.backupClass() + ")") + " of " + e.target() + ", "
        + e.specSummary() + (e.isPaused() ? ", paused: " + e.note() : "");
  }

  /** Entry ids of every schedule the list says we own (it may lag; callers describe to be sure). */
  List<String> ownedIds() {
    List<String> ids = new ArrayList<>();
    for (Iterator<ScheduleListDescription> it = client.listSchedules(null).iterator(); it.hasNext(); ) {
      ScheduleListDescription d = it.next();
      Object by = d.getMemo(ManagedSchedule.MANAGED_BY_MEMO, String.class);
      if (ManagedSchedule.MANAGED_BY.equals(by) && d.getScheduleId().startsWith(ManagedSchedule.ID_PREFIX)) {
        ids.add(ManagedSchedule.entryId(d.getScheduleId()));
      }
    }
    return ids;
  }

  /** The schedule, or empty when there is none with that id. */
  Optional<ScheduleDescription> describe(String scheduleId) {
    try {
      return Optional.of(client.getHandle(scheduleId).describe());
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
          return Optional.empty();
        }
      }
      throw e;
    }
  }

  static boolean owned(ScheduleDescription d) {
    return ManagedSchedule.MANAGED_BY.equals(d.getMemo(ManagedSchedule.MANAGED_BY_MEMO, String.class));
  }
}
