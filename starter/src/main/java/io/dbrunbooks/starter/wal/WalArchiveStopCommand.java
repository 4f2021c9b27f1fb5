package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.client.WorkflowNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks wal archive stop}: cancels the archiver, which uploads what it holds first. */
@Command(name = "stop", description = {
    "Stop the WAL archiver of a target: the running call uploads what it holds, then the workflow ends as canceled.",
    "The replication slot stays, so the server keeps WAL from there until the archiver starts again (or the slot is dropped)."})
public final class WalArchiveStopCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name.")
  public String target;

  @Override
  public Integer call() {
    String workflowId = WalArchiveWorkflow.workflowId(target);
    try (TemporalConnection connection = cli().connect()) {
      try {
        connection.client().newUntypedWorkflowStub(workflowId).cancel();
      } catch (WorkflowNotFoundException e) {
        throw CliFailure.failed("no running WAL archiver of " + target + " (workflow " + workflowId + ")");
      }
      out().println("stopping WAL archiving of " + target + "; runbooks wal archive status --target " + target + " shows when it ended");
      return RunbooksCli.EXIT_OK;
    }
  }
}
