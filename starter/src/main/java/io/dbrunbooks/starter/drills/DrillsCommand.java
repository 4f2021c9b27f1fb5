package io.dbrunbooks.starter.drills;

import io.dbrunbooks.starter.CommandGroup;
import picocli.CommandLine.Command;

/** {@code runbooks drills ...}: restore drills and their report. */
@Command(name = "drills", description = "Run restore drills and report on them.", synopsisSubcommandLabel = "COMMAND",
    subcommands = {DrillsRunCommand.class, DrillsReportCommand.class})
public final class DrillsCommand extends CommandGroup {}
