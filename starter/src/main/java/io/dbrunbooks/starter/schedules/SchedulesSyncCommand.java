package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks schedules sync}: make the Temporal Schedules match the schedules file. */
@Command(name = "sync", description = {
    "Make the Temporal Schedules match the schedules file: create, update and delete the schedules it manages"
        + " (memo managedBy=db-runbooks, id db-runbooks/<entry id>).",
    "Other schedules are left alone. Prints the difference; a second sync of the same file prints 'no change'."})
final class SchedulesSyncCommand extends ScheduleVerb {
  @Option(names = "--file", paramLabel = "PATH",
      description = "The schedules file (default: schedules.yaml beside the targets file).")
  Path file;

  @Option(names = "--dry-run", description = "Print the difference only; change nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    Path source = file != null ? file : cli().targets.resolveSibling(SchedulesFile.DEFAULT_NAME);
    SchedulesFile schedules = SchedulesFileLoader.load(source);
    ScheduleSync.checkTargets(schedules, cli().loadTargets());
    try (TemporalConnection connection = cli().connect()) {
      ScheduleSync sync = new ScheduleSync(schedules(connection));
      List<ScheduleChange> changes;
      try {
        changes = sync.plan(schedules);
        if (!dryRun) {
          sync.apply(schedules, changes);
        }
      } catch (IllegalStateException e) {
        throw CliFailure.usage(e.getMessage());
      }
      report(source, connection, changes);
    }
    return RunbooksCli.EXIT_OK;
  }

  private void report(Path source, TemporalConnection connection, List<ScheduleChange> changes) {
    Map<ScheduleChange.Kind, Integer> counts = new EnumMap<>(ScheduleChange.Kind.class);
    changes.forEach(c -> counts.merge(c.kind(), 1, Integer::sum));
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", source.toString());
      m.put("dryRun", dryRun);
      m.put("changes", changes.stream().map(c -> Map.of("change", c.kind().name().toLowerCase(), "schedule", c.scheduleId(),
          "fields", c.fields())).toList());
      printJson(m);
      return;
    }
    out().println(source + " -> Temporal " + connection.address() + " (namespace " + connection.namespace() + ")"
        + (dryRun ? ": dry run, nothing changed" : ""));
    changes.forEach(c -> out().println(c.line(dryRun)));
    int unchanged = counts.getOrDefault(ScheduleChange.Kind.UNCHANGED, 0);
    if (unchanged == changes.size()) {
      out().println("no change (" + unchanged + " schedule" + (unchanged == 1 ? "" : "s") + " unchanged)");
    } else {
      out().println((dryRun ? "would create " : "created ") + counts.getOrDefault(ScheduleChange.Kind.CREATE, 0)
          + ", " + (dryRun ? "update " : "updated ") + counts.getOrDefault(ScheduleChange.Kind.UPDATE, 0)
          + ", " + (dryRun ? "delete " : "deleted ") + counts.getOrDefault(ScheduleChange.Kind.DELETE, 0)
          + ", unchanged " + unchanged);
    }
  }
}
