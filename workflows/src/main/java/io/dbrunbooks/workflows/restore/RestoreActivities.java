package io.dbrunbooks.workflows.restore;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** The point-in-time restore runbook's vocabulary. Implemented per engine in {@code activities/}. */
@ActivityInterface
public interface RestoreActivities {

  /**
   * Chooses the base backup and proves it usable before anything is provisioned: the manifest's
   * signature and chain, the stored artifact's SHA-256, and WAL coverage from the backup to the
   * recovery target. Fails non-retryably ({@code RestorePlanRefused}) naming what is missing.
   */
  @ActivityMethod(name = "PlanRestore")
  RestorePlan plan(PlanRequest request);

  /** Creates the restore's directory under the restore root and picks a free port. Idempotent per restore id. */
  @ActivityMethod(name = "ProvisionRestore")
  RestoreEnvironment provision(ProvisionRequest request);

  /**
   * Streams the base backup from the store, decrypts, decompresses and unpacks it into the data
   * directory, then writes the recovery configuration. A retry starts the directory over.
   */
  @ActivityMethod(name = "RestoreBaseBackup")
  RestoredData restoreBaseBackup(RestoreDataRequest request);

  /**
   * Starts the restored server and waits, heartbeating the replayed LSN, until recovery reached its
   * target and promoted. A retry finds the server it started and keeps waiting.
   */
  @ActivityMethod(name = "RecoverToTarget")
  RecoveredPoint recover(RecoverRequest request);

  /** pg_amcheck, row counts and smoke queries on the restored cluster. Failed checks are reported, not thrown. */
  @ActivityMethod(name = "CheckRestore")
  RestoreChecks check(ChecksRequest request);

  /** Stops the restore's server and removes its directory; returns what was removed. Idempotent. */
  @ActivityMethod(name = "TeardownRestore")
  List<String> teardown(TeardownRequest request);
}
