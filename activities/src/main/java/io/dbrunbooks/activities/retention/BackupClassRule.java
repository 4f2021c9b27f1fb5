package io.dbrunbooks.activities.retention;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.RetentionPolicy;
import java.time.Duration;
import java.time.Instant;

/**
 * The per-class rule of a retention policy, in the words a plan shows: a backup of class C is kept
 * while it finished less than C's {@code keepDays} ago. It only ever keeps; what a class does not
 * keep falls back to the window and the minimum.
 */
final class BackupClassRule {
  private BackupClassRule() {}

  /** Why {@code e}'s class keeps it, e.g. {@code class weekly, 200 d old < 365 d}; null when it does not. */
  static String keeps(RetentionPolicy policy, BackupCatalog.Entry e, Instant now) {
    RetentionPolicy.ClassPeriod period = period(policy, e);
    if (period == null || !e.finished().get().isAfter(now.minus(Duration.ofDays(period.keepDays())))) {
      return null;
    }
    return "class " + e.backupClass() + ", " + ageDays(e, now) + " d old < " + period.keepDays() + " d";
  }

  /** What the class said about an expired backup, to append to the reason; empty when unclassed. */
  static String expiredNote(RetentionPolicy policy, BackupCatalog.Entry e, Instant now) {
    if (e.backupClass() == null) {
      return "";
    }
    RetentionPolicy.ClassPeriod period = period(policy, e);
    if (period == null) {
      return "; class " + e.backupClass() + " has no period in retention.classes";
    }
    return "; class " + e.backupClass() + ", " + ageDays(e, now) + " d old, past its " + period.keepDays() + " d";
  }

  private static RetentionPolicy.ClassPeriod period(RetentionPolicy policy, BackupCatalog.Entry e) {
    return e.backupClass() == null ? null : policy.classes().get(e.backupClass());
  }

  private static long ageDays(BackupCatalog.Entry e, Instant now) {
    return Duration.between(e.finished().get(), now).toDays();
  }
}
