package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks wal archive ...}: the target's WalArchiveWorkflow. */
@Command(name = "archive", description = "Start, watch or stop the continuous WAL archiver of a target (workflow wal-archive/<target>).",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {WalArchiveStartCommand.class, WalArchiveStatusCommand.class, WalArchiveStopCommand.class})
public final class WalArchiveCommand extends CommandGroup {}
