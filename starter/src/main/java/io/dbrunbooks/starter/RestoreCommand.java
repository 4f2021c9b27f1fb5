package io.dbrunbooks.starter;

import picocli.CommandLine.Command;

/** {@code runbooks restore ...}: the point-in-time restore runbook. */
@Command(name = "restore", description = "Run the point-in-time restore runbook.", synopsisSubcommandLabel = "COMMAND",
    subcommands = {RestoreStartCommand.class, RestoreStatusCommand.class, RestoreTeardownCommand.class})
final class RestoreCommand extends CommandGroup {}
