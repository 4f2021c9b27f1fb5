package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.schedule.ScheduledRunResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The outcome of a schedule's last start, read from its {@code ScheduledRunWorkflow} run:
 * {@code running}, {@code completed}, {@code skipped: already running ...} or {@code failed: ...}.
 */
record LastRun(String scheduledAt, String workflowId, String outcome) {

  static LastRun of(WorkflowClient client, List<ScheduleActionResult> recent) {
    if (recent == null || recent.isEmpty()) {
      return null;
    }
    ScheduleActionResult last = recent.get(recent.size() - 1);
    if (!(last.getAction() instanceof ScheduleActionExecutionStartWorkflow w)) {
      return null;
    }
    WorkflowExecution run = WorkflowExecution.newBuilder().setWorkflowId(w.getWorkflowId()).setRunId(w.getFirstExecutionRunId()).build();
    WorkflowExecutionStatus status = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder().setNamespace(client.getOptions().getNamespace()).setExecution(run).build())
        .getWorkflowExecutionInfo().getStatus();
    return new LastRun(String.valueOf(last.getScheduledAt()), w.getWorkflowId(), outcome(client, run, status));
  }

  private static String outcome(WorkflowClient client, WorkflowExecution run, WorkflowExecutionStatus status) {
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return "running";
    }
    WorkflowStub stub = client.newUntypedWorkflowStub(run.getWorkflowId(), Optional.of(run.getRunId()), Optional.empty());
    try {
      ScheduledRunResult r = stub.getResult(5, TimeUnit.SECONDS, ScheduledRunResult.class);
      return r.message();
    } catch (WorkflowFailedException e) {
      return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT) + ": "
          + Failures.describe(e.getCause() == null ? e : e.getCause());
    } catch (Exception e) {
      return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
    }
  }
}
