package io.dbrunbooks.starter;

import picocli.CommandLine.Command;

/** {@code runbooks backup ...}: the backup runbook. */
@Command(name = "backup", description = "Run the backup runbook.", synopsisSubcommandLabel = "COMMAND",
    subcommands = BackupStartCommand.class)
final class BackupCommand extends CommandGroup {}
