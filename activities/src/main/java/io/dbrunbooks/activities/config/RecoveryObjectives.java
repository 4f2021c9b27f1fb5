package io.dbrunbooks.activities.config;

import java.util.Map;

/**
 * A target's recovery objectives, which its restore drills are judged against.
 *
 * @param environment the target's {@code environment} (production, staging, development or any name)
 * @param rtoSeconds longest acceptable time from the loss to a restored, validated copy
 * @param rpoSeconds most acceptable data loss, as the age of the last recovered transaction at the loss
 * @param source where the figures come from, e.g. {@code default for production} or {@code targets.orders.drill}
 */
public record RecoveryObjectives(String environment, double rtoSeconds, double rpoSeconds, String source) {

  /** The environment a target without {@code environment:} belongs to: the strictest objectives apply. */
  public static final String DEFAULT_ENVIRONMENT = "production";

  /** Built-in objectives per environment (RTO, RPO in seconds); the file's {@code objectives:} overrides or adds. */
  public static final Map<String, double[]> DEFAULTS = Map.of(
      "production", new double[] {4 * 3600, 3600},
      "staging", new double[] {8 * 3600, 4 * 3600},
      "development", new double[] {24 * 3600, 24 * 3600});

  /** The built-in objectives of {@code environment}, or null for a name without defaults. */
  public static RecoveryObjectives defaultFor(String environment) {
    double[] d = DEFAULTS.get(environment);
    return d == null ? null : new RecoveryObjectives(environment, d[0], d[1], "default for " + environment);
  }
}
