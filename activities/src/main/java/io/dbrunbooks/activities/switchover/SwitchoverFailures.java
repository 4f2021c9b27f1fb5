package io.dbrunbooks.activities.switchover;

import io.temporal.failure.ApplicationFailure;

/**
 * The failures the switchover activities raise, with the type names the workflow keys on. The
 * PgBouncer primitives add their own ({@link io.dbrunbooks.activities.pgbouncer.PgBouncerFailures}).
 * Messages name the check that failed and what to look at, never a password.
 */
public final class SwitchoverFailures {
  public static final String UNKNOWN_TARGET = "UnknownTarget";
  /** The target lacks restore, pgbouncer or switchover settings, or its PgBouncer pools in session mode. */
  public static final String NOT_CONFIGURED = "SwitchoverNotConfigured";
  /** A check right before the switch failed; nothing was changed. */
  public static final String GUARDRAIL_FAILED = "GuardrailFailed";
  /** Blue's data directory holds another cluster than the one recorded (or none): it is left alone. */
  public static final String BLUE_MISMATCH = "BlueServerMismatch";
  /** Blue cannot be stopped while PgBouncer points the alias at it, nor removed while it runs. */
  public static final String BLUE_IN_USE = "BlueInUse";
  /** Blue's pg_control does not say "shut down": it crashed or was killed, and is not removed. */
  public static final String BLUE_NOT_SHUT_DOWN = "BlueNotShutDown";
  /** pg_ctl or pg_controldata failed on blue's data directory; a retry may succeed. */
  public static final String BLUE_CONTROL_FAILED = "BlueControlFailed";
  /** The restore's directory could not be read or marked. */
  public static final String RESTORE_DIRECTORY = "RestoreDirectoryError";
  /** The target's evidence (its promotions) could not be read; retried. */
  public static final String EVIDENCE_UNREADABLE = "EvidenceUnreadable";
  /** The worker is stopping: the attempt is retried elsewhere. */
  public static final String INTERRUPTED = "Interrupted";

  private SwitchoverFailures() {}

  static ApplicationFailure nonRetryable(String type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  static ApplicationFailure retryable(String type, String message) {
    return ApplicationFailure.newFailure(message, type);
  }
}
