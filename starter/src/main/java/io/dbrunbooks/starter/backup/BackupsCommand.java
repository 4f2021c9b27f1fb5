package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks backups ...}: the backup catalog. */
@Command(name = "backups", description = "The backup catalog, read from the evidence registry.", synopsisSubcommandLabel = "COMMAND",
    subcommands = BackupsListCommand.class)
public final class BackupsCommand extends CommandGroup {}
