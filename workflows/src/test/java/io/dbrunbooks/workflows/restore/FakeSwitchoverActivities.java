package io.dbrunbooks.workflows.restore;

import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PgBouncer alias and a blue server in memory: tests read where the alias points, whether blue
 * still runs, and which steps ran in which order.
 */
public class FakeSwitchoverActivities implements SwitchoverActivities {
  public static final BackendRef BLUE = new BackendRef("127.0.0.1", 5432, "orders");
  public static final BlueServer BLUE_SERVER =
      new BlueServer("/var/lib/postgresql/15/main", "7312345678901234567", 1, "0/7000060", "orders-main", 5432, "15.10");

  public final List<String> calls = new CopyOnWriteArrayList<>();
  public volatile BackendRef pointsAt = BLUE;
  public volatile boolean blueRunning = true;
  public volatile boolean blueRemoved;
  public volatile List<String> approvers = List.of("bob", "carol");
  public volatile long approvalTimeoutSeconds = 3600;
  public volatile long bakeSeconds = 600;
  public volatile long keepBlueSeconds = 7 * 86400;
  public volatile RuntimeException policyFailure;
  public volatile RuntimeException guardrailFailure;
  public volatile RuntimeException switchToGreenFailure;
  public volatile RuntimeException switchToBlueFailure;
  /** Health checks through PgBouncer answer ok only while this is true (and the alias points where expected). */
  public volatile boolean greenHealthy = true;
  /** Health checks expecting blue answer ok only while this is true. */
  public volatile boolean blueHealthy = true;
  /** When set, the bake watch blocks (heartbeating) until canceled or released; otherwise it returns at once. */
  public volatile boolean bakeBlocks;
  public volatile boolean bakeReleased;
  /** The watch's verdict when it returns. */
  public volatile boolean bakeHealthy = true;

  @Override
  public SwitchoverPolicy policy(SwitchoverPolicyRequest r) {
    calls.add("policy");
    if (policyFailure != null) {
      throw policyFailure;
    }
    return new SwitchoverPolicy(approvers, approvalTimeoutSeconds, bakeSeconds, 10, 3, keepBlueSeconds, "127.0.0.1:6432",
        "orders", pointsAt);
  }

  @Override
  public BlueGreenState guardrails(GuardrailsRequest r) {
    calls.add("guardrails");
    if (guardrailFailure != null) {
      throw guardrailFailure;
    }
    BackendRef green = new BackendRef("127.0.0.1", r.green().port(), "orders");
    return new BlueGreenState("127.0.0.1:6432", "orders", pointsAt, green, "transaction", 8, 0, BLUE_SERVER,
        r.green().clusterName(), "0/5A00200", "127.0.0.1:5432");
  }

  @Override
  public SwitchOutcome switchTraffic(SwitchTrafficRequest r) {
    calls.add(r.toGreen() ? "switch-to-green" : "switch-to-blue");
    RuntimeException failure = r.toGreen() ? switchToGreenFailure : switchToBlueFailure;
    if (failure != null) {
      throw failure;
    }
    BackendRef from = pointsAt;
    pointsAt = r.to();
    return new SwitchOutcome("orders", from, r.to(), !from.equals(r.to()), 42, List.of("pause (40 ms)", "resume (1 ms)"));
  }

  @Override
  public HealthOutcome checkHealth(HealthRequest r) {
    calls.add("health");
    boolean onGreen = !pointsAt.equals(BLUE);
    boolean ok = pointsAt.equals(r.expected()) && (onGreen ? greenHealthy : blueHealthy);
    String problem = ok ? null : pointsAt.equals(r.expected()) ? "health query failed: connection refused"
        : "server on port " + pointsAt.port() + " answered, expected " + r.expected();
    return new HealthOutcome(ok, problem,
        "127.0.0.1", pointsAt.port(), onGreen ? r.expectedClusterName() : "orders-main", false, "42", 3,
        "2026-11-21T11:00:00Z");
  }

  @Override
  public BakeReport watchHealth(WatchHealthRequest r) {
    calls.add("watch");
    long deadline = System.currentTimeMillis() + 30_000;
    while (bakeBlocks && !bakeReleased && System.currentTimeMillis() < deadline) {
      Activity.getExecutionContext().heartbeat(null); // throws once the workflow canceled the watch
      sleep(50);
    }
    return bakeHealthy
        ? new BakeReport(true, 60, 0, 0, null)
        : new BakeReport(false, 12, 3, 3, new HealthOutcome(false, "connection refused", null, 0, null, false, null, 5,
            "2026-11-21T11:05:00Z"));
  }

  @Override
  public BlueStopped stopBlue(BlueRequest r) {
    calls.add("stop-blue");
    boolean was = blueRunning;
    blueRunning = false;
    return new BlueStopped(r.blue().dataDirectory(), was, "0/7000100");
  }

  @Override
  public List<String> removeBlue(BlueRequest r) {
    calls.add("remove-blue");
    if (blueRunning) {
      throw ApplicationFailure.newNonRetryableFailure("blue is running", "BlueRunning");
    }
    boolean was = !blueRemoved;
    blueRemoved = true;
    return was ? List.of(r.blue().dataDirectory()) : List.of();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
