package io.dbrunbooks.starter;

import picocli.CommandLine.Command;

/** {@code runbooks backups ...}: the backup catalog. */
@Command(name = "backups", description = "The backup catalog, read from the evidence registry.", synopsisSubcommandLabel = "COMMAND",
    subcommands = BackupsListCommand.class)
final class BackupsCommand extends CommandGroup {}
