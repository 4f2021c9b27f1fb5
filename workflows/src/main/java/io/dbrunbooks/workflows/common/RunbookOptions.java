package io.dbrunbooks.workflows.common;

import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Small helpers every runbook workflow uses for activity options and audit metadata. */
public final class RunbookOptions {
  private RunbookOptions() {}

  /** Same rule as the targets file, so a bad name fails in the workflow before any activity runs. */
  public static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  /** Exponential backoff (coefficient 2) from {@code initial} up to {@code max}, at most {@code attempts} tries. */
  public static RetryOptions retry(Duration initial, Duration max, int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(initial)
        .setBackoffCoefficient(2.0)
        .setMaximumInterval(max)
        .setMaximumAttempts(attempts)
        .build();
  }

  /** Key/value metadata for audit entries and notifications; null values are left out. */
  public static Map<String, String> meta(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }
}
