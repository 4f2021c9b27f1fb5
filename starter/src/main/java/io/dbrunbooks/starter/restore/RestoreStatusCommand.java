package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.StatusCommand;

import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks restore status --target T}: {@code runbooks status restore/<T>}. */
@Command(name = "status", description = {
    "Show the restore of a target: phase, bytes, elapsed time, last error; for a completed restore its result; in mode"
        + " promote its switchover: approvers, approval deadline, approvals, where PgBouncer points, the bake, blue's fate.",
    "Same as: runbooks status restore/<target>"})
public final class RestoreStatusCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  public String target;

  @Override
  public Integer call() {
    StatusCommand status = new StatusCommand();
    status.workflowId = PointInTimeRestoreWorkflow.workflowId(target);
    status.spec = spec;
    return status.call();
  }
}
