package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks backup ...}: the backup runbook. */
@Command(name = "backup", description = "Run the backup runbook.", synopsisSubcommandLabel = "COMMAND",
    subcommands = BackupStartCommand.class)
public final class BackupCommand extends CommandGroup {}
