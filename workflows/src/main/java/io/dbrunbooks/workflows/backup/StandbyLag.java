package io.dbrunbooks.workflows.backup;

/**
 * One standby as the primary sees it ({@code pg_stat_replication}): a walsender whose client reports
 * a replay position. Only these are judged against the target's lag limit.
 *
 * @param replayLagSeconds the lag judged: 0 when the standby has replayed everything the primary has
 *     flushed, whatever the view's {@code replay_lag} still says; otherwise {@code replay_lag}
 * @param replayLsn the replay position it last reported
 * @param bytesBehind WAL the primary has flushed that the standby has not replayed
 * @param judged why the lag is what it is, in one sentence
 */
public record StandbyLag(
    String applicationName,
    String clientAddress,
    String state,
    double replayLagSeconds,
    String replayLsn,
    long bytesBehind,
    String judged) {

  /** One line for the audit trail. */
  public String summary() {
    return "'" + applicationName + "' (" + clientAddress + ", " + state + "): "
        + (judged != null ? judged : "replay lag " + replayLagSeconds + " s");
  }
}
