package io.dbrunbooks.workflows.backup;

/**
 * A walsender on the primary that is not a standby: it receives WAL and never replays it (the
 * target's own WAL archiver, {@code pg_receivewal}, the WAL stream of a {@code pg_basebackup}), or
 * sends a base backup. Reported so a person sees it was looked at; never judged against the lag limit.
 *
 * @param kind {@code archiver} (this target's WAL archiver, by its slot), {@code receiver} or
 *     {@code base backup}
 * @param slot the replication slot it streams through, or null
 * @param flushLsn how far it says it has stored WAL durably (for the archiver: what the archive
 *     holds), or null before its first report
 * @param bytesBehind WAL the primary has flushed beyond {@code flushLsn}, or -1 when unknown
 * @param lagSeconds 0 when nothing is behind, else the view's {@code flush_lag}
 * @param judged why it is not judged as a standby, in one sentence
 */
public record WalReceiver(
    String kind,
    String applicationName,
    String clientAddress,
    String state,
    String slot,
    String flushLsn,
    long bytesBehind,
    double lagSeconds,
    String judged) {

  /** One line for the audit trail. */
  public String summary() {
    return kind + " '" + applicationName + "' (" + clientAddress + ", " + state + (slot != null ? ", slot " + slot : "")
        + "): " + judged;
  }
}
