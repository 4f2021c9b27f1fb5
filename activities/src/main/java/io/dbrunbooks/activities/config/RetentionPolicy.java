package io.dbrunbooks.activities.config;

/**
 * How long a target's backups and WAL are kept.
 *
 * @param recoveryWindowDays every moment of the last this-many days stays restorable: the newest
 *     base backup older than the window is kept, with all WAL from its start
 * @param minFullBackups at least this many base backups (and, separately, logical dumps) are kept
 *     whatever their age; at least 1, so the newest backup is never expired
 */
public record RetentionPolicy(int recoveryWindowDays, int minFullBackups) {

  public RetentionPolicy {
    if (recoveryWindowDays < 0) {
      throw new IllegalArgumentException("recoveryWindowDays must be 0 or more, got " + recoveryWindowDays);
    }
    if (minFullBackups < 1) {
      throw new IllegalArgumentException("minFullBackups must be at least 1 (the newest backup is never expired), got "
          + minFullBackups);
    }
  }
}
