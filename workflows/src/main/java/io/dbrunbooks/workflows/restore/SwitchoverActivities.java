package io.dbrunbooks.workflows.restore;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The blue-green switchover's steps: PgBouncer in front of the target, blue (the server the alias
 * points at) and green (the restored cluster). Implemented in {@code activities/}; they run on the
 * worker that also runs the restore, which must be PgBouncer's and blue's host (it rewrites
 * PgBouncer's databases file and stops blue with {@code pg_ctl}).
 */
@ActivityInterface
public interface SwitchoverActivities {

  /**
   * Reads the target's {@code switchover} and {@code pgbouncer} settings and checks PgBouncer
   * answers and knows the alias, before anything is provisioned. Non-retryable
   * {@code SwitchoverNotConfigured} or PgBouncer failures name what to fix.
   */
  @ActivityMethod(name = "SwitchoverPolicy")
  SwitchoverPolicy policy(SwitchoverPolicyRequest request);

  /**
   * Just before the switch: PgBouncer reachable, the alias not paused and running what its file
   * says, not in session pooling; blue reachable and recorded; green the same cluster as blue (system
   * identifier), out of recovery, and accepting the health-check role. Refuses non-retryably
   * ({@code GuardrailFailed}) naming the failed check.
   */
  @ActivityMethod(name = "SwitchoverGuardrails")
  BlueGreenState guardrails(GuardrailsRequest request);

  /** PAUSE, repoint, RELOAD, RESUME (see PgBouncerSwitch). Idempotent: a retry after a crash converges. */
  @ActivityMethod(name = "SwitchTraffic")
  SwitchOutcome switchTraffic(SwitchTrafficRequest request);

  /** One health check through PgBouncer; failures come back in the outcome. */
  @ActivityMethod(name = "CheckHealth")
  HealthOutcome checkHealth(HealthRequest request);

  /** The bake: checks until the deadline or a run of failures; heartbeats its counts and resumes from them. */
  @ActivityMethod(name = "WatchHealth")
  BakeReport watchHealth(WatchHealthRequest request);

  /** {@code pg_ctl stop -m fast} on blue's data directory after checking its system identifier. Idempotent. */
  @ActivityMethod(name = "StopBlue")
  BlueStopped stopBlue(BlueRequest request);

  /** Removes stopped blue's data directory after checking it is stopped and still blue's; returns what went. Idempotent. */
  @ActivityMethod(name = "RemoveBlue")
  List<String> removeBlue(BlueRequest request);
}
