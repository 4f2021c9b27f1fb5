package io.dbrunbooks.activities.schedule;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.schedule.LockHolder;
import io.dbrunbooks.workflows.schedule.RunbookLockActivities;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.common.converter.GlobalDataConverter;
import java.time.Instant;

/**
 * Describes the open run of a runbook's lock id through the worker's own Temporal client (the one
 * the activity runs under), so it needs no configuration of its own.
 */
public class RunbookLockActivitiesImpl implements RunbookLockActivities {

  @Override
  public LockHolder holder(String workflowId) {
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    WorkflowExecutionInfo info;
    try {
      info = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
          DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
              .build()).getWorkflowExecutionInfo();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
    if (info.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return null;
    }
    var operator = info.getSearchAttributes().getIndexedFieldsMap().get(RunbookSearchAttributes.OPERATOR.getName());
    return new LockHolder(workflowId, info.getExecution().getRunId(), info.getType().getName(),
        Instant.ofEpochSecond(info.getStartTime().getSeconds()).toString(),
        operator == null ? null : GlobalDataConverter.get().fromPayload(operator, String.class, String.class));
  }
}
