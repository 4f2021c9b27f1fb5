package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.restore.RecoveredPoint;
import java.time.Instant;

/**
 * The drill's RPO: how much of what the source had committed at the moment of loss is missing from
 * the restored copy, in seconds and in WAL bytes.
 *
 * <ul>
 *   <li>bytes: the source's WAL position at the loss minus where the copy's replay ended, at least 0;
 *   <li>seconds: 0 when the copy replayed every byte written before the loss; otherwise the loss time
 *       minus the commit time of the last transaction the copy replayed ({@code
 *       pg_last_xact_replay_timestamp()}, the commit record's own timestamp). That is the age of the
 *       newest data that survived: every transaction committed after it is lost. It is an upper bound
 *       when the lost WAL holds no commit, and exact to the commit when the source commits steadily.
 * </ul>
 *
 * @param seconds null when the copy replayed no transaction after its base backup (no commit time to measure from)
 * @param method one sentence saying how the figure was obtained
 */
public record RecoveryPointGap(
    Double seconds, long bytes, String lossTime, String lossLsn, String recoveredLsn, String lastRecoveredCommit, String method) {

  /** Measures the gap between {@code loss} and {@code recovered}. Pure: safe in workflow code. */
  public static RecoveryPointGap measure(LossMoment loss, RecoveredPoint recovered) {
    long lossLsn = lsn(loss.sourceLsn());
    long replayed = recovered.lsn() == null ? 0 : lsn(recovered.lsn());
    long bytes = Math.max(0, lossLsn - replayed);
    if (replayed >= lossLsn) {
      return new RecoveryPointGap(0.0, 0, loss.sourceTime(), loss.sourceLsn(), recovered.lsn(), recovered.lastTransactionTime(),
          "the copy replayed every WAL byte the source had written at the loss: nothing was lost");
    }
    if (recovered.lastTransactionTime() == null) {
      return new RecoveryPointGap(null, bytes, loss.sourceTime(), loss.sourceLsn(), recovered.lsn(), null,
          "the copy replayed no transaction after its base backup: no commit time to measure the loss from");
    }
    double millis = Instant.parse(loss.sourceTime()).toEpochMilli() - Instant.parse(recovered.lastTransactionTime()).toEpochMilli();
    return new RecoveryPointGap(Math.max(0, millis) / 1000.0, bytes, loss.sourceTime(), loss.sourceLsn(), recovered.lsn(),
        recovered.lastTransactionTime(), "loss time minus the commit time of the last transaction the copy replayed;"
            + " WAL bytes from the copy's replay end to the source's position at the loss");
  }

  /** {@code 16/B374D848} as a number. */
  public static long lsn(String lsn) {
    int slash = lsn.indexOf('/');
    return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
  }

  /** A number as {@code 16/B374D848}. */
  public static String lsn(long value) {
    return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
  }
}
