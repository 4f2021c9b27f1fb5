package io.dbrunbooks.activities.pgbouncer;

/**
 * The caller of a switch, as far as the switch needs to know it: whether it is still the attempt
 * in charge. A Temporal activity attempt that was given up on (heartbeat or start-to-close timeout,
 * cancellation) goes on running in its worker while a retry runs; {@link #checkCurrent()} is how
 * the switch notices and undoes itself rather than overriding the retry.
 */
@FunctionalInterface
public interface SwitchAttempt {
  /** For callers that are no activity attempt (tests, the benchmark, a person's command). */
  SwitchAttempt ALWAYS_CURRENT = () -> { };

  /**
   * Returns when this attempt is still current; throws (any runtime exception, e.g. Temporal's
   * {@code ActivityCompletionException}) when it is not. Called while waiting for the switch lock,
   * before PAUSE, before the repoint, before RELOAD and before RESUME.
   */
  void checkCurrent();
}
