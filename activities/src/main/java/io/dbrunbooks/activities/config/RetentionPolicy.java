package io.dbrunbooks.activities.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * How long a target's backups and WAL are kept.
 *
 * @param recoveryWindowDays every moment of the last this-many days stays restorable: the newest
 *     base backup older than the window is kept, with all WAL from its start
 * @param minFullBackups at least this many base backups (and, separately, logical dumps) are kept
 *     whatever their age; at least 1, so the newest backup is never expired
 * @param classes per backup class ({@code hourly}, {@code daily}, {@code weekly}, ...): a backup of a
 *     listed class is also kept while younger than its class's period. Unclassed backups and
 *     classes not listed follow the window and the minimum alone. Empty when the file lists none.
 */
public record RetentionPolicy(int recoveryWindowDays, int minFullBackups, Map<String, ClassPeriod> classes) {

  /**
   * How long backups of one class are kept.
   *
   * @param keepDays a backup of the class is kept while it finished less than this many days ago
   */
  public record ClassPeriod(int keepDays) {
    public ClassPeriod {
      if (keepDays < 1) {
        throw new IllegalArgumentException("keepDays must be at least 1, got " + keepDays);
      }
    }
  }

  public RetentionPolicy {
    if (recoveryWindowDays < 0) {
      throw new IllegalArgumentException("recoveryWindowDays must be 0 or more, got " + recoveryWindowDays);
    }
    if (minFullBackups < 1) {
      throw new IllegalArgumentException("minFullBackups must be at least 1 (the newest backup is never expired), got "
          + minFullBackups);
    }
    classes = classes == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(classes));
  }

  /** A policy without classes: the window and the minimum alone. */
  public RetentionPolicy(int recoveryWindowDays, int minFullBackups) {
    this(recoveryWindowDays, minFullBackups, Map.of());
  }

  /** Each class's period in days, for plans and manifests; empty when there are none. */
  public Map<String, Integer> keepDaysByClass() {
    Map<String, Integer> days = new TreeMap<>();
    classes.forEach((name, period) -> days.put(name, period.keepDays()));
    return days;
  }
}
