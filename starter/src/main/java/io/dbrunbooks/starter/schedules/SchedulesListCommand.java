package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code runbooks schedules list}: the managed schedules with their next run, state and last outcome. */
@Command(name = "list", description = "List the schedules that runbooks schedules sync manages: target, runbook, spec,"
    + " next run, paused and why, and how the last start ended.")
final class SchedulesListCommand extends ScheduleVerb {

  @Override
  public Integer call() {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (TemporalConnection connection = cli().connect()) {
      ScheduleClient client = schedules(connection);
      ScheduleSync sync = new ScheduleSync(client);
      for (String id : sync.ownedIds().stream().sorted().toList()) {
        ScheduleDescription d = sync.describe(ManagedSchedule.scheduleId(id)).filter(ScheduleSync::owned).orElse(null);
        if (d != null) {
          rows.add(row(id, d, LastRun.of(connection.client(), d.getInfo().getRecentActions())));
        }
      }
    }
    if (json()) {
      printJson(rows);
    } else if (rows.isEmpty()) {
      out().println("no schedules managed by runbooks schedules sync");
    } else {
      for (Map<String, Object> r : rows) {
        out().println(r.get("schedule") + "   " + r.get("runbook") + " of " + r.get("target") + "   " + r.get("spec"));
        out().println("  next run   " + (r.get("nextRun") == null ? "none" : r.get("nextRun")));
        out().println("  state      " + (Boolean.TRUE.equals(r.get("paused")) ? "paused: " + r.get("note") : "active"));
        out().println("  last run   " + (r.get("lastRun") == null ? "none yet" : r.get("lastRun")));
      }
    }
    return RunbooksCli.EXIT_OK;
  }

  private static Map<String, Object> row(String id, ScheduleDescription d, LastRun last) {
    JsonNode applied = ManagedSchedule.appliedOf(d.getSchedule());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("schedule", ManagedSchedule.scheduleId(id));
    r.put("target", applied == null ? null : applied.path("target").asText(null));
    r.put("runbook", applied == null ? null : applied.path("runbook").asText(null)
        + (applied.hasNonNull("backupClass") ? " (" + applied.get("backupClass").asText() + ")" : ""));
    r.put("spec", applied == null ? "?" : spec(applied));
    List<Instant> next = d.getInfo().getNextActionTimes();
    boolean paused = d.getSchedule().getState().isPaused();
    r.put("nextRun", paused || next.isEmpty() ? null : next.get(0).toString());
    r.put("paused", paused);
    r.put("note", d.getSchedule().getState().getNote());
    r.put("lastRun", last == null ? null : last.scheduledAt() + " " + last.workflowId() + ": " + last.outcome());
    return r;
  }

  /** The spec as the file wrote it, from the entry last applied. */
  private static String spec(JsonNode applied) {
    try {
      return ManagedSchedule.entry(applied).specSummary();
    } catch (IllegalArgumentException e) {
      return "?";
    }
  }
}
