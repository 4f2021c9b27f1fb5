package io.dbrunbooks.starter.evidence;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks evidence ...}: sealed manifests and audit trails. */
@Command(name = "evidence", description = "Check sealed evidence offline.", synopsisSubcommandLabel = "COMMAND",
    subcommands = EvidenceVerifyCommand.class)
public final class EvidenceCommand extends CommandGroup {}
