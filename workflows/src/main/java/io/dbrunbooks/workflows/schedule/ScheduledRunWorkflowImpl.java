package io.dbrunbooks.workflows.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.ChildWorkflowStub;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * A scheduled start, top to bottom: check the input, start the runbook under its lock id, then
 * either wait for it (completed or failed, as the runbook ended) or, when the lock is held, record
 * who holds it and complete as skipped.
 */
public class ScheduledRunWorkflowImpl implements ScheduledRunWorkflow {
  private static final Logger log = Workflow.getLogger(ScheduledRunWorkflowImpl.class);

  /** The value of {@code RunbookName} for scheduled runs, so that {@code RunbookName="backup"} finds only backups. */
  public static final String RUNBOOK_NAME = "schedule";

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  // A describe call: quick, and worth a few tries; a skip is recorded even if it never answers.
  private final RunbookLockActivities locks = Workflow.newActivityStub(RunbookLockActivities.class,
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 5))
          .build());

  private ScheduledRunRequest request;
  private String phase = "starting";
  private String lockId;
  private String childRunId;
  private String message;
  private long startedMillis;

  @Override
  public ScheduledRunResult run(RunbookInput<ScheduledRunRequest> input) {
    startedMillis = Workflow.currentTimeMillis();
    request = validate(RunbookInput.bind(input, ScheduledRunRequest.class, EXAMPLE_INPUT));
    String target = request.target();
    ScheduledRunbook runbook = request.runbook();
    String operator = operator(request.schedule());
    lockId = runbook.workflowId(target);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, RUNBOOK_NAME),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, operator));
    enter("starting");
    // A chain of its own: a skipped start never touches the holder's trail.
    AuditTrail audit = new AuditTrail(evidence, target,
        target + "/schedules/" + request.schedule() + "/" + RunbookOptions.newRunId(target),
        "target/" + target + "/" + runbook.word(), operator);

    ChildWorkflowStub child = Workflow.newUntypedChildWorkflowStub(runbook.workflowType(), ChildWorkflowOptions.newBuilder()
        .setWorkflowId(lockId)
        .setStaticSummary("scheduled " + runbook.word() + " of " + target + " (schedule " + request.schedule() + ")")
        // Terminating this run asks the runbook to stop: a cancelled backup deletes what it wrote.
        // TERMINATE would kill it mid-stream and leave its artifacts; ABANDON would leave a run
        // that nothing waits for, whose outcome the schedule's history would no longer show.
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        .build());
    Promise<JsonNode> result = child.executeAsync(JsonNode.class, childInput(request, operator));
    WorkflowExecution started;
    try {
      started = child.getExecution().get();
    } catch (ChildWorkflowFailure e) {
      if (e.getCause() instanceof WorkflowExecutionAlreadyStarted) {
        return skip(audit);
      }
      throw e;
    }
    childRunId = started.getRunId();
    enter("running");
    audit.recordBestEffort("schedule.started", "started", AuditTrail.meta(
        "schedule", request.schedule(), "runbook", runbook.word(), "workflowId", lockId, "runId", childRunId,
        "scheduledRun", Workflow.getInfo().getWorkflowId()));
    try {
      JsonNode done = result.get();
      message = "completed: " + lockId + " run " + childRunId;
      enter("completed");
      audit.recordBestEffort("schedule.completed", "succeeded", AuditTrail.meta("workflowId", lockId, "runId", childRunId));
      return new ScheduledRunResult(request.schedule(), target, runbook, ScheduledRunResult.COMPLETED, lockId, childRunId, message, done);
    } catch (ChildWorkflowFailure e) {
      String why = Failures.describe(e.getCause() == null ? e : e.getCause());
      message = "failed: " + lockId + " run " + childRunId + ": " + why;
      Workflow.newDetachedCancellationScope(() -> {
        enter(e.getCause() instanceof CanceledFailure ? "canceled" : "failed");
        audit.recordBestEffort("schedule.failed", "failed", AuditTrail.meta("workflowId", lockId, "runId", childRunId, "error", why));
      }).run();
      if (e.getCause() instanceof CanceledFailure) {
        throw new CanceledFailure("scheduled " + runbook.word() + " of " + target + " canceled");
      }
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          "scheduled " + runbook.word() + " of " + target + " failed: " + why, "ScheduledRunFailed", e);
    }
  }

  /** The lock is held: say by whom, everywhere a person looks, and end successfully. */
  private ScheduledRunResult skip(AuditTrail audit) {
    LockHolder holder = null;
    try {
      holder = locks.holder(lockId);
    } catch (ActivityFailure e) {
      log.warn("schedule {}: could not look up the run holding {}: {}", request.schedule(), lockId, Failures.describe(e));
    }
    childRunId = holder == null ? null : holder.runId();
    message = "skipped: already running " + (holder == null ? lockId + " (it has ended since)" : holder.summary());
    enter("skipped");
    log.info("schedule {}: {} of {} {}", request.schedule(), request.runbook().word(), request.target(), message);
    audit.recordBestEffort("schedule.skipped", "skipped", AuditTrail.meta(
        "schedule", request.schedule(), "runbook", request.runbook().word(), "workflowId", lockId,
        "heldBy", childRunId, "holderOperator", holder == null ? null : holder.operator(),
        "holderStartedAt", holder == null ? null : holder.startedAt(), "scheduledRun", Workflow.getInfo().getWorkflowId()));
    return new ScheduledRunResult(request.schedule(), request.target(), request.runbook(), ScheduledRunResult.SKIPPED, lockId,
        childRunId, message, null);
  }

  /** The runbook's request: the schedule's input plus the target and {@code schedule:<id>} as operator. */
  static ObjectNode childInput(ScheduledRunRequest request, String operator) {
    ObjectNode node = request.input() == null || request.input().isNull()
        ? JsonNodeFactory.instance.objectNode()
        : ((ObjectNode) request.input()).deepCopy();
    node.put("target", request.target());
    node.put("operator", operator);
    return node;
  }

  /** {@code schedule:<id>}: the operator every run a schedule starts records. */
  public static String operator(String schedule) {
    return "schedule:" + schedule;
  }

  private static ScheduledRunRequest validate(ScheduledRunRequest r) {
    if (r.schedule() == null || !RunbookOptions.TARGET_NAME.matcher(r.schedule()).matches()) {
      throw InputChecks.invalid("field 'schedule' must be the schedule's entry id (lower-case letters, digits, '-' and '_',"
          + " at most 63), got " + InputChecks.shown(r.schedule()));
    }
    InputChecks.target(r.target());
    if (r.runbook() == null) {
      throw InputChecks.invalid("field 'runbook' is required: one of backup, retention, drill, freshness");
    }
    JsonNode in = r.input();
    if (in != null && !in.isNull()) {
      if (!in.isObject()) {
        throw InputChecks.invalid("field 'input' must be a JSON object (the runbook's request without target and"
            + " operator), got " + (in.isArray() ? "an array" : InputChecks.shown(in.toString())));
      }
      for (String setHere : new String[] {"target", "operator"}) {
        if (in.has(setHere)) {
          throw InputChecks.invalid("field 'input." + setHere + "' is set by the schedule (from 'target' and"
              + " 'schedule:<schedule>'): leave it out of the input");
        }
      }
    }
    return r;
  }

  @Override
  public ScheduledRunProgress progress() {
    return request == null ? new ScheduledRunProgress(null, null, null, phase, null, null, null)
        : new ScheduledRunProgress(request.schedule(), request.target(), request.runbook(), phase, lockId, childRunId, message);
  }

  private void enter(String next) {
    phase = next;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.toUpperCase(Locale.ROOT)));
    Workflow.setCurrentDetails(details());
  }

  /** Markdown shown as "current details" in the Web UI. */
  private String details() {
    return RunbookDetails.of("Scheduled " + request.runbook().word(), request.schedule(), request.target())
        .row("Phase", phase)
        .row("Runbook", "`" + lockId + "`" + (childRunId == null ? "" : " run `" + childRunId + "`"))
        .row("Started", RunbookDetails.at(startedMillis))
        .row("Outcome", message == null ? null : RunbookDetails.escape(message))
        .toString();
  }
}
