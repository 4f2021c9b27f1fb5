package io.dbrunbooks.activities.restore;

import static io.dbrunbooks.activities.restore.RestoreFailures.RECOVERY_FAILED;
import static io.dbrunbooks.activities.restore.RestoreFailures.nonRetryable;

import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.workflows.restore.RecoveredPoint;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Waits for a restored server to replay WAL up to its recovery target and promote, heartbeating
 * the replayed LSN. The server log is read along the way: a FATAL or PANIC ends the wait at once
 * with the server's own words, which say more than a timeout ever could.
 */
final class Recovery {
  private static final Pattern FATAL = Pattern.compile("\\b(FATAL|PANIC):\\s+(.*)");
  /** FATALs of client connections (ours, polling too early), not of recovery. */
  private static final Pattern CONNECTION_FATAL = Pattern.compile("the database system is (starting up|not yet accepting connections|not accepting"
      + " connections|shutting down|in recovery mode)|terminating connection|role \".*\" does not exist|database \".*\""
      + " does not exist|consistent recovery state has not been yet reached");
  private static final Pattern STOPPING = Pattern.compile("LOG:\\s+(recovery stopping .*)");
  private static final Pattern LAST_XACT = Pattern.compile("last completed transaction was at log time (.+)$");
  /** What WalFetchMain writes to stderr, which the server logs: why a WAL file could not be fetched. */
  private static final Pattern FETCH_ERROR = Pattern.compile("runbooks wal fetch .*");
  private static final Pattern RESTORED = Pattern.compile("restored log file \"([0-9A-F]{24})\" from archive");

  private final RestoredServer server;
  private final String user;
  private final String database;
  private final Lsn start;
  private final int segmentSize;
  private final long[] logOffset = {0};
  private String stoppingLine;
  private String lastXactFromLog;
  private String lastFetchError;

  /**
   * @param user a role the restored copy has (the target's own), to poll it through the private socket
   * @param database a database the restored copy has (the target's own)
   * @param start the base backup's start LSN: progress is reported as WAL bytes replayed since
   */
  Recovery(RestoredServer server, String user, String database, Lsn start, int segmentSize) {
    this.server = server;
    this.user = user;
    this.database = database;
    this.start = start;
    this.segmentSize = segmentSize;
  }

  RecoveredPoint await(ActivityProgress progress, PgTools.CurrentChild child) throws IOException, InterruptedException {
    long replayed = 0;
    long downSince = 0;
    while (true) {
      progress.checkCancelled();
      for (String line : server.newLogLines(logOffset)) {
        scan(line);
        Matcher restored = RESTORED.matcher(line);
        if (restored.find() && segmentSize > 0) {
          long segNo = Long.parseLong(restored.group(1).substring(8, 16), 16) * (0x1_0000_0000L / segmentSize)
              + Long.parseLong(restored.group(1).substring(16), 16);
          replayed = Math.max(replayed, segNo * segmentSize - start.value());
        }
      }
      PgTools.Result r = server.psql(user, database,
          "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), pg_last_xact_replay_timestamp()", child::track);
      if (r.exitCode() == 0 && !r.stdout().isBlank()) {
        // Not strip(): it would take the tab before an empty last field (no transaction replayed).
        String[] f = r.stdout().replaceAll("[\r\n]+$", "").split("\t", -1);
        if (!f[1].isEmpty()) {
          replayed = Math.max(replayed, Lsn.parse(f[1]).value() - start.value());
        }
        if (f[0].equals("f")) {
          progress.update(Math.max(replayed, 0));
          return finished(f[1], f[2]);
        }
      } else if (server.running()) {
        downSince = 0;
      } else if (downSince == 0) {
        downSince = System.nanoTime(); // just started (no pid file yet), or going down: look again
      } else if (System.nanoTime() - downSince > 10_000_000_000L) {
        // Read what the server said on its way down before calling it anything.
        server.newLogLines(logOffset).forEach(this::scan);
        throw nonRetryable(RECOVERY_FAILED, "the restored server stopped during recovery; its log ends:\n" + server.logTail(15));
      }
      progress.update(Math.max(replayed, 0));
      Thread.sleep(500);
    }
  }

  private void scan(String line) {
    Matcher fatal = FATAL.matcher(line);
    if (fatal.find() && !CONNECTION_FATAL.matcher(fatal.group(2)).find()) {
      String hint = fatal.group(2).contains("recovery ended before configured recovery target was reached")
          ? " (the archive's WAL ends before the recovery target. For a time: PostgreSQL stops at the first transaction"
              + " committed after it, and the archive holds none; if the database was idle since then, the latest"
              + " point is the same state: restore to latest. Otherwise the time is later than what was archived, or a"
              + " restore point predates the chosen backup)"
          : "";
      String fetch = lastFetchError == null ? "" : "; the last WAL fetch failed: " + lastFetchError;
      throw nonRetryable(RECOVERY_FAILED, "PostgreSQL refused to recover: " + line.strip() + hint + fetch);
    }
    Matcher fetchError = FETCH_ERROR.matcher(line);
    if (fetchError.find()) {
      lastFetchError = fetchError.group().strip();
    }
    Matcher stopping = STOPPING.matcher(line);
    if (stopping.find()) {
      stoppingLine = stopping.group(1);
    }
    Matcher last = LAST_XACT.matcher(line);
    if (last.find()) {
      lastXactFromLog = last.group(1).strip();
    }
  }

  /** Reads the recovered point once the server has promoted. */
  private RecoveredPoint finished(String replayLsn, String replayTimestamp) throws IOException {
    server.newLogLines(logOffset).forEach(this::scan);
    PgTools.Result r = server.psql(user, database, "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int",
        p -> {});
    int timeline = r.exitCode() == 0 ? Integer.parseInt(r.stdout().strip()) : 0;
    String xact = !replayTimestamp.isEmpty() ? iso(replayTimestamp) : lastXactFromLog == null ? null : iso(lastXactFromLog);
    return new RecoveredPoint(replayLsn.isEmpty() ? null : replayLsn, xact, timeline, stoppingLine);
  }

  /** {@code 2026-11-21 10:40:59.123456+00} (psql) or {@code ... UTC} (log) as an ISO instant. */
  static String iso(String pgTime) {
    String t = pgTime.strip().replace(" UTC", "+00").replace(" GMT", "+00").replaceFirst(" ", "T");
    if (t.matches(".*[+-]\\d\\d$")) {
      t = t + ":00";
    }
    try {
      return OffsetDateTime.parse(t).toInstant().toString();
    } catch (RuntimeException e) {
      return pgTime.strip();
    }
  }
}
