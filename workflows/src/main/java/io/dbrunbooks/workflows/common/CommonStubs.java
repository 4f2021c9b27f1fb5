package io.dbrunbooks.workflows.common;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** The evidence and notifier stubs every runbook uses alike. Call from workflow code only. */
public final class CommonStubs {
  private CommonStubs() {}

  /** Waits out a cancel: an append whose outcome is unknown would leave the trail's numbering unsure. */
  public static EvidenceActivities evidence() {
    return Workflow.newActivityStub(
        EvidenceActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 20))
            .build());
  }

  /** A notification is worth a few tries, but a dead webhook must not hold a finished run hostage. */
  public static NotifyActivities notifier() {
    return Workflow.newActivityStub(
        NotifyActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setRetryOptions(Retries.backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 5))
            .build());
  }
}
