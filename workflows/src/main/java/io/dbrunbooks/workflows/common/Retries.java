package io.dbrunbooks.workflows.common;

import io.temporal.common.RetryOptions;
import java.time.Duration;

/** Retry policies for activity stubs: exponential backoff (×2) capped at {@code max}, for a bounded number of attempts. */
public final class Retries {
  private Retries() {}

  public static RetryOptions backoff(Duration initial, Duration max, int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(initial)
        .setBackoffCoefficient(2.0)
        .setMaximumInterval(max)
        .setMaximumAttempts(attempts)
        .build();
  }
}
