package io.dbrunbooks.starter.retention;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks retention ...}: the retention runbook. */
@Command(name = "retention", description = "Expire backups and WAL a target's retention policy no longer needs.",
    synopsisSubcommandLabel = "COMMAND", subcommands = RetentionApplyCommand.class)
public final class RetentionCommand extends CommandGroup {}
