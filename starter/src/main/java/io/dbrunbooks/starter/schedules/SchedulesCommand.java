package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.CommandGroup;
import picocli.CommandLine.Command;

/** {@code runbooks schedules ...}: the Temporal Schedules that start runbooks, from a schedules file. */
@Command(name = "schedules", description = "Sync, list, pause, resume and trigger the schedules that start runbooks.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {SchedulesSyncCommand.class, SchedulesListCommand.class, SchedulesPauseCommand.class,
        SchedulesResumeCommand.class, SchedulesTriggerCommand.class})
public final class SchedulesCommand extends CommandGroup {}
