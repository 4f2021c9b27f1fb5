package io.dbrunbooks.workflows.common;

import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Sends a run's notifications from workflow code. A webhook that stays down is recorded in the
 * audit trail ({@code <runbook>.notify-failed}) and logged, never fatal: the run's outcome stands.
 */
public final class RunbookNotifier {
  private static final Logger log = Workflow.getLogger(RunbookNotifier.class);

  private final NotifyActivities notifier;
  private final AuditTrail audit;
  private final String target;
  private final String runbook;

  public RunbookNotifier(NotifyActivities notifier, AuditTrail audit, String target, String runbook) {
    this.notifier = notifier;
    this.audit = audit;
    this.target = target;
    this.runbook = runbook;
  }

  /** @return whether the notification was delivered */
  public boolean send(String event, String summary, Map<String, String> details) {
    return send(event, null, summary, details);
  }

  /** As {@link #send(String, String, Map)} with a severity ({@link Notification#CRITICAL}, ...). */
  public boolean send(String event, String severity, String summary, Map<String, String> details) {
    try {
      notifier.send(new Notification(target, runbook, event, Workflow.getInfo().getWorkflowId(), summary, details, severity));
      return true;
    } catch (ActivityFailure e) {
      String why = Failures.describe(e);
      log.warn("notification {} for {} not delivered: {}", event, target, why);
      audit.recordBestEffort(runbook + ".notify-failed", "failed", AuditTrail.meta("event", event, "error", why));
      return false;
    }
  }
}
