package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.StaticSummary;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks wal archive start}: starts {@code WalArchiveWorkflow} as workflow {@code wal-archive/<target>}. */
@Command(name = "start", description = {
    "Start continuous WAL archiving of a target (workflow wal-archive/<target> on task queue db-runbooks).",
    "It runs until stopped (runbooks wal archive stop); a second start exits 3."})
public final class WalArchiveStartCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the worker's targets file.")
  public String target;

  @Option(names = "--operator", paramLabel = "WHO", description = "Who starts the archiver, recorded in the evidence (default $USER).")
  public String operator;

  @Override
  public Integer call() {
    String who = operator != null ? operator : cli().user();
    String workflowId = WalArchiveWorkflow.workflowId(target);
    try (TemporalConnection connection = cli().connect()) {
      WalArchiveWorkflow stub = connection.client().newWorkflowStub(WalArchiveWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(workflowId)
          .setTaskQueue(TaskQueues.RUNBOOKS)
          .setStaticSummary(StaticSummary.of("WAL archive of " + target + " started by " + who))
          .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
          .build());
      WorkflowExecution e;
      try {
        e = WorkflowClient.start(stub::run, RunbookInput.of(new WalArchiveInput(target, who)));
      } catch (WorkflowExecutionAlreadyStarted already) {
        throw new CliFailure(RunbooksCli.EXIT_ALREADY_RUNNING, "the WAL archiver of " + target + " is already running (workflow "
            + workflowId + ", run " + already.getExecution().getRunId() + "); watch it with: runbooks wal archive status --target "
            + target, already);
      }
      String note = awaitFirstVerdict(connection.client(), e, "WAL archiving of " + target);
      if (json()) {
        printStartedJson(e.getWorkflowId(), e.getRunId(), note);
      } else {
        out().println("started WAL archiving of " + target + " (workflow " + e.getWorkflowId() + ", run " + e.getRunId() + ")");
        printNote(note);
        out().println("watch it with: runbooks wal archive status --target " + target);
      }
      return RunbooksCli.EXIT_OK;
    }
  }
}
