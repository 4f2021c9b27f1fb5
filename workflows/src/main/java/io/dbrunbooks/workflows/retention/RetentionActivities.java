package io.dbrunbooks.workflows.retention;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

@ActivityInterface
public interface RetentionActivities {

  /**
   * Reads the target's policy, sealed catalog and WAL archive and decides; changes nothing.
   * Fails non-retryably when the target has no retention policy.
   */
  @ActivityMethod(name = "PlanRetention")
  RetentionPlan plan(RetentionRequest request);

  /**
   * Deletes what {@code plan} expires. Idempotent: what is already gone counts as done, so a retry
   * after a crash finishes the job. Sealed evidence is never touched.
   */
  @ActivityMethod(name = "ApplyRetention")
  RetentionOutcome apply(RetentionPlan plan);
}
