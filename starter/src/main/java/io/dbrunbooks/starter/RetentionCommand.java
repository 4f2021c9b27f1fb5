package io.dbrunbooks.starter;

import picocli.CommandLine.Command;

/** {@code runbooks retention ...}: the retention runbook. */
@Command(name = "retention", description = "Expire backups and WAL a target's retention policy no longer needs.",
    synopsisSubcommandLabel = "COMMAND", subcommands = RetentionApplyCommand.class)
final class RetentionCommand extends CommandGroup {}
