package io.dbrunbooks.activities.restore;

import io.temporal.failure.ApplicationFailure;

/**
 * The failures the restore activities raise, with the type names the workflow and the CLI key on.
 * Non-retryable where a retry cannot help; messages say what to do next.
 */
public final class RestoreFailures {
  static final String UNKNOWN_TARGET = "UnknownTarget";
  /** The plan cannot hold: no suitable backup, broken provenance, a WAL gap. Nothing was provisioned. */
  static final String PLAN_REFUSED = "RestorePlanRefused";
  static final String NOT_CONFIGURED = "RestoreNotConfigured";
  static final String INSUFFICIENT_SPACE = "InsufficientSpace";
  static final String ARTIFACT_DAMAGED = "BackupArtifactDamaged";
  static final String KEY_UNAVAILABLE = "KeyUnavailable";
  static final String STORE_ERROR = "StoreError";
  static final String RESTORE_FAILED = "RestoreFailed";
  /** PostgreSQL refused to recover (a FATAL in its log): retrying replays the same WAL into the same error. */
  static final String RECOVERY_FAILED = "RecoveryFailed";
  static final String WAL_FETCH_BROKEN = "WalFetchCommandBroken";
  /** Teardown of a restore PgBouncer may send the application to (its SERVING marker exists). */
  public static final String SERVING_TRAFFIC = "RestoreServingTraffic";

  private RestoreFailures() {}

  static ApplicationFailure nonRetryable(String type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  static ApplicationFailure retryable(String type, String message) {
    return ApplicationFailure.newFailure(message, type);
  }
}
