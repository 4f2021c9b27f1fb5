package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbooks schedules pause ID}: no more starts until resumed; the note says why. */
@Command(name = "pause", description = {"Pause a schedule: it starts nothing until resumed.",
    "A later sync keeps the pause unless the entry's own paused or note changes."})
final class SchedulesPauseCommand extends ScheduleVerb {
  @Parameters(paramLabel = "ID", description = "Entry id (orders-daily) or schedule id (db-runbooks/orders-daily).")
  String id;

  @Option(names = "--note", paramLabel = "TEXT", description = "Why; shown by runbooks schedules list (default: who paused it).")
  String note;

  @Override
  public Integer call() {
    String why = note != null ? note : "paused by " + cli().user() + " with runbooks schedules pause";
    try (TemporalConnection connection = cli().connect()) {
      owned(schedules(connection), id).pause(why);
    }
    out().println("paused " + ManagedSchedule.scheduleId(ManagedSchedule.entryId(id)) + ": " + why);
    return RunbooksCli.EXIT_OK;
  }
}
