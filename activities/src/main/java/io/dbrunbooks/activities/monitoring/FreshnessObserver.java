package io.dbrunbooks.activities.monitoring;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.workflows.monitoring.BackupAttempt;
import io.dbrunbooks.workflows.monitoring.BackupFreshness;
import io.dbrunbooks.workflows.monitoring.FreshnessObservation;
import io.dbrunbooks.workflows.monitoring.WalObservation;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything the freshness check looks at for one target, read where it is kept. Shared by the
 * check's activity and {@code runbooks status --target}, so the screen shows what the check sees.
 */
public final class FreshnessObserver {
  private final TargetConfig target;
  private final BackupStore store;
  private final EvidenceRegistry registry;
  private final Clock clock;

  public FreshnessObserver(TargetConfig target, BackupStore store, EvidenceRegistry registry, Clock clock) {
    this.target = target;
    this.store = store;
    this.registry = registry;
    this.clock = clock;
  }

  /**
   * @param grace how long a silent archiver slot is given to come back (between two archiving calls)
   * @param tick called about every second while waiting
   * @throws IOException when the alert book cannot be read: without it no alert can be judged
   */
  public FreshnessObservation observe(Duration grace, Runnable tick) throws IOException {
    Instant now = clock.instant();
    String name = target.name();
    AlertBook.State book = new AlertBook(store, name).read();
    List<String> problems = new ArrayList<>();
    boolean backupsRead = false;
    BackupFreshness newest = null;
    BackupAttempt last = null;
    try {
      for (BackupCatalog.Entry e : BackupCatalog.read(registry, store, name)) {
        Optional<Instant> at = e.finished().or(e::sealed);
        if (e.error() == null && e.present() && at.isPresent()) {
          newest = new BackupFreshness(e.backupId(), at.get().toString(), Math.max(0, Duration.between(at.get(), now).toSeconds()));
          break;
        }
      }
      last = BackupAttempts.newestFinished(registry, name).orElse(null);
      backupsRead = true;
    } catch (IOException | RuntimeException e) {
      problems.add("the backups of " + name + " could not be read from " + registry.uri() + " and " + store.uri() + ": " + e);
    }
    WalObservation wal = new WalProbe(target, store).observe(book.walWatch(), now, grace, tick).orElse(null);
    if (wal != null && wal.problem() != null) {
      problems.add(wal.problem());
    }
    return new FreshnessObservation(name, now.toString(), target.monitoring().backupMaxAge().toSeconds(),
        target.monitoring().walArchiveMaxLag().toSeconds(), backupsRead, newest, last, wal, book.open(), problems);
  }
}
