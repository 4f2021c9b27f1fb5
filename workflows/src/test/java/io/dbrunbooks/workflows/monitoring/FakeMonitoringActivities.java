package io.dbrunbooks.workflows.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A target whose facts the test sets (newest backup, latest run, archiver), seen at {@link #now}
 * (the test server's skipping clock, read by the test before each check); its alert book is a list
 * in memory, changed by the real {@link Incidents}.
 */
class FakeMonitoringActivities implements MonitoringActivities {
  volatile Instant now;
  volatile Instant newestBackupFinished;
  volatile String newestBackupId;
  volatile BackupAttempt lastAttempt;
  volatile Boolean archiverStreaming = true;
  volatile long limitSeconds = Duration.ofHours(8).toSeconds();
  volatile List<OpenAlert> book = List.of();
  final List<AlertUpdate> updates = new ArrayList<>();

  @Override
  public FreshnessObservation observe(FreshnessRequest request) {
    BackupFreshness newest = newestBackupFinished == null ? null
        : new BackupFreshness(newestBackupId, newestBackupFinished.toString(), Duration.between(newestBackupFinished, now).toSeconds());
    WalObservation wal = new WalObservation(archiverStreaming, "db_runbooks_orders", "0/3000000", "0/3000000", 0L, 0L, null, null);
    return new FreshnessObservation(request.target(), now.toString(), limitSeconds, 900, true, newest, lastAttempt, wal, book,
        List.of());
  }

  @Override
  public synchronized AlertChanges update(AlertUpdate update) {
    updates.add(update);
    AlertChanges c = Incidents.apply(book, update);
    book = c.open();
    return c;
  }
}
