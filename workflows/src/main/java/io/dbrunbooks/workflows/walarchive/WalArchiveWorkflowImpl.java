package io.dbrunbooks.workflows.walarchive;

import static io.dbrunbooks.workflows.common.AuditTrail.meta;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The archiver loop: call {@link WalArchiveActivities#archive} again and again, add up what each
 * call archived, and continue as new with that checkpoint every {@value #CALLS_PER_RUN} calls or
 * when Temporal suggests it. The audit trail gets one entry per run (started or continued), one per
 * gap found, and one when the archiver stops or fails: never one per call.
 */
public class WalArchiveWorkflowImpl implements WalArchiveWorkflow {
  private static final Logger log = Workflow.getLogger(WalArchiveWorkflowImpl.class);

  /** Calls per run before continue-as-new: about four hours of history at the default call length. */
  static final int CALLS_PER_RUN = 50;
  /** Default length of one archiving call. */
  static final long DEFAULT_CALL_SECONDS = 300;
  /** Longest archiving call accepted: a longer one would hold WAL back from the archive's status for too long. */
  static final long MAX_CALL_SECONDS = 3600;

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  private String target;
  private String state = "archiving";
  private WalArchiveCheckpoint total = WalArchiveCheckpoint.empty();
  private WalArchiveCheckpoint current;
  private long runs;
  private String lastError;
  private String operator;
  private long callSeconds;
  private long runStartedMillis;
  private long progressAt;
  private boolean continued;

  @Override
  public WalArchiveCheckpoint run(RunbookInput<WalArchiveInput> given) {
    WalArchiveInput input = validate(RunbookInput.bind(given, WalArchiveInput.class, EXAMPLE_INPUT));
    target = input.target();
    operator = input.operator();
    runStartedMillis = Workflow.currentTimeMillis();
    continued = input.checkpoint() != null;
    if (continued) {
      total = input.checkpoint();
    }
    callSeconds = input.activitySeconds() > 0 ? input.activitySeconds() : DEFAULT_CALL_SECONDS;
    WalArchiveActivities archiver = archiver(callSeconds);
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "wal-archive"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, input.operator()),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, "ARCHIVING"));
    Workflow.setCurrentDetails(details());
    String runId = Workflow.getInfo().getRunId();
    // One chain per run: numbering restarts with each continue-as-new, and a chain never grows without bound.
    AuditTrail audit = new AuditTrail(evidence, target, target + "/wal-archive/" + runId, "target/" + target + "/wal",
        input.operator());
    try {
      if (continued) {
        audit.recordBestEffort("wal-archive.continued", "started", position(total));
      } else {
        audit.record("wal-archive.started", "started", meta("workflowId", Workflow.getInfo().getWorkflowId(), "runId", runId));
      }
      for (int call = 0; ; call++) {
        if (call >= CALLS_PER_RUN || Workflow.getInfo().isContinueAsNewSuggested()) {
          Workflow.continueAsNew(RunbookInput.of(input.withCheckpoint(total)));
        }
        WalArchiveCheckpoint r = archiver.archive(new WalArchiveRequest(target, callSeconds));
        runs++;
        current = null;
        total = total.plus(r);
        if (!r.gaps().isEmpty()) {
          String gaps = String.join("; ", r.gaps());
          log.error("WAL archive of {} has gaps: {}", target, gaps);
          audit.recordBestEffort("wal-archive.gap", "failed", meta("timeline", String.valueOf(r.timeline()), "gaps", gaps));
          notifySafely("wal-archive.gap", "the WAL archive of " + target + " has a gap: " + gaps
              + "; point-in-time restores cannot cross it until a new base backup is taken", meta("gaps", gaps));
        }
        Workflow.setCurrentDetails(details());
      }
    } catch (ActivityFailure | CanceledFailure e) {
      throw stop(e, audit);
    }
  }

  private static WalArchiveActivities archiver(long callSeconds) {
    // Heartbeats every few seconds: a dead worker's slot is picked up by another within 20 s. No
    // attempt limit: the archiver must keep trying through a database restart or a store outage.
    // On cancel the call uploads what it holds before it returns.
    return Workflow.newActivityStub(
        WalArchiveActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(callSeconds).plusMinutes(5))
            .setHeartbeatTimeout(Duration.ofSeconds(20))
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0)) // 0: no attempt limit
            .build());
  }

  /** A cancel is a clean stop; anything else is a failure a person must look at. Both are recorded. */
  private RuntimeException stop(RuntimeException e, AuditTrail audit) {
    boolean cancelled = CancellationScope.current().isCancelRequested();
    state = cancelled ? "stopped" : "failed";
    lastError = cancelled ? null : Failures.describe(e);
    Workflow.newDetachedCancellationScope(() -> {
      Workflow.upsertTypedSearchAttributes(
          SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, cancelled ? "STOPPED" : "FAILED"));
      Map<String, String> m = position(total);
      if (cancelled) {
        audit.recordBestEffort("wal-archive.stopped", "succeeded", m);
      } else {
        m.put("error", lastError);
        m.put("errorType", Failures.type(e));
        audit.recordBestEffort("wal-archive.failed", "failed", m);
        notifySafely("wal-archive.failed", "WAL archiving of " + target + " stopped: " + lastError, m);
      }
      Workflow.setCurrentDetails(details());
    }).run();
    if (cancelled) {
      return new CanceledFailure("WAL archiving of " + target + " stopped at " + total.archivedLsn());
    }
    log.error("WAL archiving of {} failed: {}", target, lastError);
    return ApplicationFailure.newNonRetryableFailureWithCause(
        "WAL archiving of " + target + " failed: " + lastError, "WalArchiveFailed", e);
  }

  private void notifySafely(String event, String summary, Map<String, String> details) {
    try {
      notifier.send(new Notification(target, "wal-archive", event, Workflow.getInfo().getWorkflowId(), summary, details));
    } catch (ActivityFailure e) {
      log.warn("notification {} for {} not delivered: {}", event, target, Failures.describe(e));
    }
  }

  @Override
  public WalArchiveProgress progress() {
    return new WalArchiveProgress(target, state, total, current, runs, lastError);
  }

  @Override
  public void reportWalProgress(WalArchiveCheckpoint report) {
    if ("archiving".equals(state)) {
      current = report;
      progressAt = Workflow.currentTimeMillis();
      Workflow.setCurrentDetails(details());
    }
  }

  private static WalArchiveInput validate(WalArchiveInput input) {
    InputChecks.target(input.target());
    InputChecks.operator(input.operator(), "operator", "the audit trail records who started the archiver");
    if (input.activitySeconds() < 0 || input.activitySeconds() > MAX_CALL_SECONDS) {
      throw InputChecks.invalid("field 'activitySeconds' must be between 0 (the default, " + DEFAULT_CALL_SECONDS
          + " s) and " + MAX_CALL_SECONDS + ", got " + input.activitySeconds());
    }
    WalArchiveCheckpoint c = input.checkpoint();
    if (c != null && (c.timeline() < 0 || c.segmentsArchived() < 0 || c.bytesArchived() < 0)) {
      throw InputChecks.invalid("field 'checkpoint' is carried from one run to the next by continue-as-new; leave it out"
          + " when starting the archiver");
    }
    InputChecks.workflowId(WalArchiveWorkflow.workflowId(input.target()), "WAL archiver of " + input.target());
    return input;
  }

  private static Map<String, String> position(WalArchiveCheckpoint c) {
    return meta("timeline", String.valueOf(c.timeline()), "archivedLsn", c.archivedLsn(), "lastSegment", c.lastSegment(),
        "segmentsArchived", String.valueOf(c.segmentsArchived()));
  }

  /** Markdown shown as "current details" in the Web UI. */
  private String details() {
    WalArchiveCheckpoint now = current == null ? total : total.plus(current);
    return RunbookDetails.of("WAL archive", null, target)
        .row("State", state + ("archiving".equals(state)
            ? ": streaming WAL over the replication slot into the archive, " + callSeconds + " s per call (call "
                + (runs + 1) + " of this run)"
            : ""))
        .typed("Operator", operator)
        .row(continued ? "This run since" : "Running since", runStartedMillis == 0 ? null : RunbookDetails.at(runStartedMillis))
        .row("Timeline", now.timeline() == 0 ? null : now.timeline())
        .row("Archived to", now.archivedLsn())
        .row("Last segment", now.lastSegment())
        .row("Segments", now.segmentsArchived())
        .bytes("WAL archived", now.bytesArchived(), 0, progressAt == 0 ? null : RunbookDetails.at(progressAt))
        .row("Gaps", now.gaps().isEmpty() ? null : String.join("; ", now.gaps()))
        .row("Error", lastError)
        .toString();
  }

}
