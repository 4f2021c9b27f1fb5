package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.SecretRef;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;

/**
 * The failures of the PgBouncer primitives, with the type names a switchover workflow keys on.
 * Non-retryable where a retry cannot help or would cost the application another pause; messages say
 * where PgBouncer's traffic goes now and what to fix, never a password.
 */
public final class PgBouncerFailures {
  public static final String SECRET_UNAVAILABLE = "SecretUnavailable";
  public static final String UNREACHABLE = "PgBouncerUnreachable";
  public static final String AUTHENTICATION_FAILED = "PgBouncerAuthenticationFailed";
  public static final String MISCONFIGURED = "PgBouncerMisconfigured";
  /** PAUSE did not finish in time; traffic was resumed on the old backend. A retry would pause the application again. */
  public static final String PAUSE_TIMED_OUT = "PauseTimedOut";
  /** The switch failed after PAUSE; it was undone and traffic resumed on the old backend. */
  public static final String SWITCH_FAILED = "SwitchFailed";
  /** PgBouncer may still hold the database paused: retry (the switch and {@code resume} are idempotent). */
  public static final String RESUME_FAILED = "ResumeFailed";
  public static final String HEALTH_CHECK_FAILED = "HealthCheckFailed";
  public static final String ERROR = "PgBouncerError";

  private PgBouncerFailures() {}

  static ApplicationFailure nonRetryable(String type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  static ApplicationFailure retryable(String type, String message) {
    return ApplicationFailure.newFailure(message, type);
  }

  /** Reads a secret now; a source that cannot be read fails naming the source, never a value. */
  static String secret(SecretRef ref, String what) {
    try {
      return ref == null ? null : ref.resolve();
    } catch (IOException e) {
      throw nonRetryable(SECRET_UNAVAILABLE, "cannot read the " + what + " from " + ref + ": " + e.getMessage());
    }
  }
}
