package io.dbrunbooks.workflows.monitoring;

import io.dbrunbooks.workflows.common.AuditTrail;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The freshness check's judgement: pure, so it runs in workflow code and its tests need no clock.
 * Each alert kind is firing, clear, or unknown (a fact it depends on could not be read): an
 * unknown kind is neither raised nor resolved, so a flaky read cannot close an incident.
 */
public final class FreshnessRules {
  private FreshnessRules() {}

  public static Verdict judge(FreshnessObservation o) {
    List<Alert> firing = new ArrayList<>();
    List<AlertKind> clear = new ArrayList<>();
    String t = o.target();
    if (o.backupsRead()) {
      BackupFreshness b = o.newestBackup();
      if (b == null) {
        firing.add(new Alert(AlertKind.BACKUP_STALE, "target " + t + " has no sealed backup in its store",
            details("limit", duration(o.backupMaxAgeSeconds()))));
      } else if (b.ageSeconds() > o.backupMaxAgeSeconds()) {
        firing.add(new Alert(AlertKind.BACKUP_STALE, "the newest backup of " + t + " (" + b.backupId() + ") is "
            + duration(b.ageSeconds()) + " old, over the limit of " + duration(o.backupMaxAgeSeconds()),
            details("backupId", b.backupId(), "finishedAt", b.finishedAt(), "age", duration(b.ageSeconds()),
                "limit", duration(o.backupMaxAgeSeconds()))));
      } else {
        clear.add(AlertKind.BACKUP_STALE);
      }
      BackupAttempt a = o.lastAttempt();
      if (a != null && a.failed()) {
        firing.add(new Alert(AlertKind.BACKUP_FAILED, "the latest backup of " + t + " (" + a.backupId() + ") failed: "
            + a.error(), details("backupId", a.backupId(), "at", a.at(), "error", a.error())));
      } else {
        clear.add(AlertKind.BACKUP_FAILED);
      }
    }
    WalObservation w = o.wal();
    if (w == null) {
      clear.add(AlertKind.WAL_ARCHIVER_DOWN);
      clear.add(AlertKind.WAL_ARCHIVE_STALE);
      return new Verdict(firing, clear);
    }
    if (Boolean.FALSE.equals(w.archiverStreaming())) {
      firing.add(new Alert(AlertKind.WAL_ARCHIVER_DOWN, "no WAL archiver streams from slot " + w.slot() + " of " + t
          + ": WAL written now reaches no archive (start it: runbooks wal archive start --target " + t + ")",
          details("slot", w.slot(), "archivedEnd", w.archivedEnd(), "sourceLsn", w.sourceLsn())));
    } else if (Boolean.TRUE.equals(w.archiverStreaming())) {
      clear.add(AlertKind.WAL_ARCHIVER_DOWN);
    }
    if (w.behindSeconds() != null) {
      if (w.behindSeconds() > o.walArchiveMaxLagSeconds()) {
        firing.add(new Alert(AlertKind.WAL_ARCHIVE_STALE, "the WAL archive of " + t + " ends at " + w.archivedEnd()
            + ", " + w.lagBytes() + " bytes behind the source (" + w.sourceLsn() + ") for at least "
            + duration(w.behindSeconds()) + ", over the limit of " + duration(o.walArchiveMaxLagSeconds()),
            details("archivedEnd", w.archivedEnd(), "sourceLsn", w.sourceLsn(), "lagBytes", String.valueOf(w.lagBytes()),
                "behindSince", w.watch() == null ? null : w.watch().since(), "limit", duration(o.walArchiveMaxLagSeconds()))));
      } else {
        clear.add(AlertKind.WAL_ARCHIVE_STALE);
      }
    }
    return new Verdict(firing, clear);
  }

  /** 42 s, 17 min, 9.2 h, 3.0 d: what a person reads in a notification. */
  public static String duration(long seconds) {
    if (seconds < 120) {
      return seconds + " s";
    }
    if (seconds < 7200) {
      return seconds / 60 + " min";
    }
    if (seconds < 172_800) {
      return String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
    }
    return String.format(Locale.ROOT, "%.1f d", seconds / 86400.0);
  }

  private static Map<String, String> details(String... kv) {
    return AuditTrail.meta(kv);
  }
}
