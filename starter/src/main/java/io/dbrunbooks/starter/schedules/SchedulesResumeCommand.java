package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbooks schedules resume ID}: starts resume at the next scheduled time (missed ones are not caught up). */
@Command(name = "resume", description = "Resume a paused schedule from its next scheduled time.")
final class SchedulesResumeCommand extends ScheduleVerb {
  @Parameters(paramLabel = "ID", description = "Entry id (orders-daily) or schedule id (db-runbooks/orders-daily).")
  String id;

  @Option(names = "--note", paramLabel = "TEXT", description = "Recorded as the schedule's note (default: who resumed it).")
  String note;

  @Override
  public Integer call() {
    String why = note != null ? note : "resumed by " + cli().user() + " with runbooks schedules resume";
    try (TemporalConnection connection = cli().connect()) {
      owned(schedules(connection), id).unpause(why);
    }
    out().println("resumed " + ManagedSchedule.scheduleId(ManagedSchedule.entryId(id)));
    return RunbooksCli.EXIT_OK;
  }
}
