package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks wal ...}: the continuous WAL archive. */
@Command(name = "wal", description = "The WAL archive: verify it, fetch from it, run its archiver.", synopsisSubcommandLabel = "COMMAND",
    subcommands = {WalVerifyCommand.class, WalFetchCommand.class, WalArchiveCommand.class})
public final class WalCommand extends CommandGroup {}
