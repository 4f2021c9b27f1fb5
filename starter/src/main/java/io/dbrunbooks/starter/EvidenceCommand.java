package io.dbrunbooks.starter;

import picocli.CommandLine.Command;

/** {@code runbooks evidence ...}: sealed manifests and audit trails. */
@Command(name = "evidence", description = "Check sealed evidence offline.", synopsisSubcommandLabel = "COMMAND",
    subcommands = EvidenceVerifyCommand.class)
final class EvidenceCommand extends CommandGroup {}
