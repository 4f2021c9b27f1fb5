package io.dbrunbooks.workflows.monitoring;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The freshness check's vocabulary: look, then change the alert book. */
@ActivityInterface
public interface MonitoringActivities {

  /**
   * Reads the target's sealed catalog, its backup runs' audit trails, its WAL archive, the source's
   * WAL position and the archiver's slot, and its alert book. Changes nothing.
   */
  @ActivityMethod(name = "ObserveFreshness")
  FreshnessObservation observe(FreshnessRequest request);

  /**
   * Applies a check's verdict to the target's alert book in the backup store, atomically.
   * Idempotent: a retry of the same check returns the change its first attempt wrote.
   */
  @ActivityMethod(name = "UpdateAlertBook")
  AlertChanges update(AlertUpdate update);
}
