package io.dbrunbooks.activities.config;

import java.util.List;

/**
 * How a promote restore of the target hands it traffic: who approves, how long the restored cluster
 * waits for them, how long green is watched with blue still running, and how long stopped blue is
 * kept. In the targets file, beside {@code restore:} and {@code pgbouncer:} (both required with it):
 *
 * <pre>{@code
 *     switchover:
 *       approvers: [alice, bob]              # at least one; never the person who started the restore
 *       approvalTimeoutMinutes: 240          # optional, default 240
 *       bakeMinutes: 30                      # optional, default 30; 0 stops blue right after the switch
 *       healthCheckIntervalSeconds: 10       # optional, default 10
 *       healthCheckFailures: 3               # optional, default 3: consecutive failed checks that roll back
 *       keepBlueDays: 7                      # optional, default 7
 *       greenHost: 127.0.0.1                 # optional: how PgBouncer reaches restored clusters
 * }</pre>
 *
 * @param greenHost restored clusters listen on 127.0.0.1 of the worker's host; PgBouncer runs there
 *     too, so this is 127.0.0.1 unless PgBouncer reaches the host under another name
 */
public record SwitchoverConfig(
    List<String> approvers,
    double approvalTimeoutMinutes,
    double bakeMinutes,
    int healthCheckIntervalSeconds,
    int healthCheckFailures,
    double keepBlueDays,
    String greenHost) {

  public static final double DEFAULT_APPROVAL_TIMEOUT_MINUTES = 240;
  public static final double DEFAULT_BAKE_MINUTES = 30;
  public static final int DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 10;
  public static final int DEFAULT_HEALTH_CHECK_FAILURES = 3;
  public static final double DEFAULT_KEEP_BLUE_DAYS = 7;
  public static final String DEFAULT_GREEN_HOST = "127.0.0.1";

  public SwitchoverConfig {
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
  }

  /** The defaults, with these approvers. */
  public static SwitchoverConfig withApprovers(List<String> approvers) {
    return new SwitchoverConfig(approvers, DEFAULT_APPROVAL_TIMEOUT_MINUTES, DEFAULT_BAKE_MINUTES,
        DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS, DEFAULT_HEALTH_CHECK_FAILURES, DEFAULT_KEEP_BLUE_DAYS, DEFAULT_GREEN_HOST);
  }
}
