package io.dbrunbooks.activities.config;

import java.time.Duration;

/**
 * The limits the scheduled freshness check holds a target to ({@code monitoring:} in the targets
 * file, optional).
 *
 * @param backupMaxAge the newest sealed backup may be this old before {@code backup-stale} fires
 * @param walArchiveMaxLag WAL the source has written may wait this long for the archive before
 *     {@code wal-archive-stale} fires
 */
public record MonitoringConfig(Duration backupMaxAge, Duration walArchiveMaxLag) {
  public static final Duration DEFAULT_BACKUP_MAX_AGE = Duration.ofHours(8);
  public static final Duration DEFAULT_WAL_ARCHIVE_MAX_LAG = Duration.ofMinutes(15);
  public static final MonitoringConfig DEFAULT = new MonitoringConfig(DEFAULT_BACKUP_MAX_AGE, DEFAULT_WAL_ARCHIVE_MAX_LAG);

  public MonitoringConfig {
    backupMaxAge = backupMaxAge == null ? DEFAULT_BACKUP_MAX_AGE : backupMaxAge;
    walArchiveMaxLag = walArchiveMaxLag == null ? DEFAULT_WAL_ARCHIVE_MAX_LAG : walArchiveMaxLag;
  }
}
