package io.dbrunbooks.workflows.restore;

import java.util.List;

/**
 * The target's switchover settings and its PgBouncer as found before anything is provisioned
 * (activity {@code SwitchoverPolicy}): a promote restore of a target without them is refused early.
 *
 * @param approvers who may approve the switch and the decommission of blue (never the initiator)
 * @param approvalTimeoutSeconds how long the restored cluster waits for an approval before the run aborts and cleans up
 * @param bakeSeconds after the switch, how long green is watched with blue still running
 * @param healthCheckIntervalSeconds time between health checks through PgBouncer during the bake
 * @param healthCheckFailures consecutive failed checks that roll back
 * @param keepBlueSeconds how long stopped blue is kept before it may be removed (still only after {@code approve-decommission})
 * @param pgbouncer PgBouncer's {@code host:port}
 * @param database the alias applications connect to
 * @param blue where the alias points now
 */
public record SwitchoverPolicy(
    List<String> approvers,
    long approvalTimeoutSeconds,
    long bakeSeconds,
    int healthCheckIntervalSeconds,
    int healthCheckFailures,
    long keepBlueSeconds,
    String pgbouncer,
    String database,
    BackendRef blue) {

  public SwitchoverPolicy {
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
  }
}
