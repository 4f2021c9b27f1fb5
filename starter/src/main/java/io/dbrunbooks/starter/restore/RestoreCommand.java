package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CommandGroup;

import picocli.CommandLine.Command;

/** {@code runbooks restore ...}: the point-in-time restore runbook. */
@Command(name = "restore", description = "Run the point-in-time restore runbook.", synopsisSubcommandLabel = "COMMAND",
    subcommands = {RestoreStartCommand.class, RestoreStatusCommand.class, RestoreApprovalCommand.Approve.class,
        RestoreStopCommand.Abort.class, RestoreStopCommand.Rollback.class, RestoreApprovalCommand.ApproveDecommission.class,
        RestoreTeardownCommand.class})
public final class RestoreCommand extends CommandGroup {}
