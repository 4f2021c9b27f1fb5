package io.dbrunbooks.workflows.common;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;

/** Turns Temporal failure chains into the one sentence a person needs. */
public final class Failures {
  private Failures() {}

  /** The innermost meaningful message: the activity's own words, not the SDK's wrapping. */
  public static String describe(Throwable t) {
    Throwable cause = t;
    while (cause instanceof ActivityFailure && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure tf) {
      return "timed out (" + tf.getTimeoutType().name().toLowerCase().replace("timeout_type_", "") + ")";
    }
    if (cause instanceof CanceledFailure) {
      return "canceled";
    }
    if (cause instanceof TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return String.valueOf(cause.getMessage());
  }

  /** The ApplicationFailure type of the innermost cause, or the failure's class name. */
  public static String type(Throwable t) {
    Throwable cause = t;
    while (cause instanceof ActivityFailure && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof ApplicationFailure af ? af.getType() : cause.getClass().getSimpleName();
  }
}
