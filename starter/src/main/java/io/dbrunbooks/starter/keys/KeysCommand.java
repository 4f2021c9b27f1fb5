package io.dbrunbooks.starter.keys;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks keys ...}: the local keyring. */
@Command(name = "keys", description = "Manage a local keyring (wrapping and signing keys).", synopsisSubcommandLabel = "COMMAND",
    subcommands = {KeysInitCommand.class, KeysExportPublicCommand.class})
public final class KeysCommand extends CommandGroup {}
