package io.dbrunbooks.workflows.monitoring;

import io.dbrunbooks.workflows.common.AuditTrail;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.Failures;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.dbrunbooks.workflows.common.Retries;
import io.dbrunbooks.workflows.common.RunbookDetails;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The freshness check, top to bottom: observe, judge ({@link FreshnessRules}), update the alert
 * book, then record and notify each incident opened or closed. The book decides "once per
 * incident": an alert already open is not raised again, one not open is not resolved.
 */
public class FreshnessCheckWorkflowImpl implements FreshnessCheckWorkflow {
  private static final Logger log = Workflow.getLogger(FreshnessCheckWorkflowImpl.class);

  // Reading catalogs, listing the archive, one query on the source, and a grace of up to half a
  // minute for an archiver between calls: heartbeats, a few tries, then the check fails visibly.
  private final MonitoringActivities observer = Workflow.newActivityStub(MonitoringActivities.class,
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(3))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofSeconds(30), 3))
          .build());

  // The book update is idempotent per check run: retry it like evidence.
  private final MonitoringActivities book = Workflow.newActivityStub(MonitoringActivities.class, RunbookOptions.EVIDENCE);

  private final EvidenceActivities evidence = Workflow.newActivityStub(EvidenceActivities.class, RunbookOptions.EVIDENCE);

  private final NotifyActivities notifier = Workflow.newActivityStub(NotifyActivities.class, RunbookOptions.NOTIFY);

  private String target;
  private String phase = "observing";
  private List<OpenAlert> open = List.of();

  @Override
  public FreshnessResult run(RunbookInput<FreshnessRequest> input) {
    FreshnessRequest request = RunbookInput.bind(input, FreshnessRequest.class, EXAMPLE_INPUT);
    target = InputChecks.target(request.target());
    InputChecks.optionalName("operator", request.operator());
    InputChecks.workflowId(FreshnessCheckWorkflow.workflowId(target), "freshness check of " + target);
    WorkflowInfo info = Workflow.getInfo();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.TARGET, target),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.RUNBOOK, "freshness"),
        SearchAttributeUpdate.valueSet(RunbookSearchAttributes.OPERATOR, request.operatorOrDefault()));
    enter("observing");

    FreshnessObservation seen = observer.observe(request);
    open = seen.openAlerts();
    Verdict verdict = FreshnessRules.judge(seen);
    enter("updating");
    AlertChanges changes = book.update(new AlertUpdate(target, info.getWorkflowId() + "/" + info.getRunId(),
        seen.observedAt(), verdict.firing(), verdict.clear(), seen.wal() == null ? null : seen.wal().watch()));
    open = changes.open();

    if (!changes.raised().isEmpty() || !changes.resolved().isEmpty()) {
      enter("notifying");
      String runTime = Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString().replace(":", "");
      AuditTrail audit = new AuditTrail(evidence, target, target + "/alerts/" + runTime + "-" + info.getRunId().substring(0, 8),
          "target/" + target + "/alerts", request.operatorOrDefault());
      // The book has changed: the people it concerns must hear of it even if the registry is down,
      // so the entries are best effort and the notification follows either way.
      for (OpenAlert a : changes.raised()) {
        audit.recordBestEffort("alert.raised", "failed", facts(a, info));
        send(audit, "alert.raised", a, "[" + a.severity().word() + "] " + a.kind().word() + ": " + a.summary());
      }
      for (OpenAlert a : changes.resolved()) {
        audit.recordBestEffort("alert.resolved", "succeeded", facts(a, info));
        send(audit, "alert.resolved", a, "[resolved] " + a.kind().word() + ": " + a.summary());
      }
    }
    enter("done");
    return new FreshnessResult(seen, changes.raised(), changes.resolved(), changes.open());
  }

  private static Map<String, String> facts(OpenAlert a, WorkflowInfo info) {
    Map<String, String> m = AuditTrail.meta("kind", a.kind().word(), "severity", a.severity().word(), "incident", a.incident(),
        "since", a.since(), "summary", a.summary(), "workflowId", info.getWorkflowId(), "runId", info.getRunId());
    a.details().forEach(m::putIfAbsent);
    return m;
  }

  /** A webhook that stays down is recorded and logged; the incident stays open in the book either way. */
  private void send(AuditTrail audit, String event, OpenAlert a, String summary) {
    Map<String, String> details = AuditTrail.meta("kind", a.kind().word(), "incident", a.incident(), "since", a.since());
    a.details().forEach(details::putIfAbsent);
    try {
      notifier.send(new Notification(target, "monitoring", event, Workflow.getInfo().getWorkflowId(), summary, details,
          a.severity().word()));
    } catch (ActivityFailure e) {
      String why = Failures.describe(e);
      log.warn("notification {} of {} for {} not delivered: {}", event, a.incident(), target, why);
      audit.recordBestEffort("alert.notify-failed", "failed", AuditTrail.meta("event", event, "incident", a.incident(), "error", why));
    }
  }

  @Override
  public FreshnessProgress progress() {
    return new FreshnessProgress(target, phase, open);
  }

  private void enter(String next) {
    phase = next;
    Workflow.upsertTypedSearchAttributes(SearchAttributeUpdate.valueSet(RunbookSearchAttributes.PHASE, next.toUpperCase()));
    RunbookDetails d = RunbookDetails.of("Freshness check", null, target).row("Phase", phase)
        .row("Open alerts", open.isEmpty() ? "none" : String.join(", ", open.stream()
            .map(a -> a.kind().word() + " (" + a.severity().word() + ", since " + a.since() + ")").toList()));
    Workflow.setCurrentDetails(d.toString());
  }
}
