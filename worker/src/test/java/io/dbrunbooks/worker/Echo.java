package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A one-activity workflow that sets every runbook search attribute: proves a server and worker work end to end. */
final class Echo {
  private Echo() {}

  @WorkflowInterface
  public interface EchoWorkflow {
    @WorkflowMethod
    String echo(String text);
  }

  @ActivityInterface
  public interface EchoActivities {
    String shout(String text);
  }

  public static class EchoWorkflowImpl implements EchoWorkflow {
    private final EchoActivities activities = Workflow.newActivityStub(EchoActivities.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

    @Override
    public String echo(String text) {
      Workflow.upsertTypedSearchAttributes(
          RunbookSearchAttributes.PHASE.valueSet("echo"), RunbookSearchAttributes.RUNBOOK.valueSet("echo"));
      return activities.shout(text);
    }
  }

  public static class EchoActivitiesImpl implements EchoActivities {
    @Override
    public String shout(String text) {
      return text.toUpperCase();
    }
  }

  /** Runs one Echo workflow through a {@link RunbookWorker} on a fresh task queue; returns its result. */
  static String runThroughWorker(WorkflowClient client) throws Exception {
    String queue = "echo-" + UUID.randomUUID();
    try (RunbookWorker worker = RunbookWorker.start(client, queue,
        List.of(EchoWorkflowImpl.class), List.of(new EchoActivitiesImpl()))) {
      EchoWorkflow wf = client.newWorkflowStub(EchoWorkflow.class, WorkflowOptions.newBuilder()
          .setTaskQueue(queue)
          .setWorkflowId("echo/" + UUID.randomUUID())
          .setTypedSearchAttributes(SearchAttributes.newBuilder()
              .set(RunbookSearchAttributes.TARGET, "orders")
              .set(RunbookSearchAttributes.OPERATOR, "tester")
              .build())
          .build());
      WorkflowClient.start(wf::echo, "hello");
      return WorkflowStub.fromTyped(wf).getResult(20, TimeUnit.SECONDS, String.class);
    }
  }
}
