package io.dbrunbooks.activities.retention;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.RetentionPolicy;
import io.dbrunbooks.activities.restore.RestoreHolds;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides what a retention policy keeps. Pure: the same catalog, archive listing and clock give the
 * same plan, which is what the tests pin down.
 *
 * <ul>
 *   <li>Base backups: every one finished inside the window; the newest one finished before it (the
 *       window's first moments restore from it); and the newest {@code minFullBackups} whatever their
 *       age. Logical dumps, which cannot replay WAL: inside the window, or among the newest
 *       {@code minFullBackups} dumps.
 *   <li>Only present, readable backups count. A manifest that cannot be read stops nothing but is
 *       never acted on; a backup whose artifact is already gone has nothing left to expire.
 *   <li>WAL: everything before the segment holding the lowest start LSN of the kept base backups
 *       goes, on every timeline: recovery from a base backup never reads WAL before its start. Only
 *       backups of the archive's own cluster (same system identifier) count; with none kept, no
 *       WAL goes.
 * </ul>
 */
public final class RetentionPlanner {
  private RetentionPlanner() {}

  private static boolean isLsn(String text) {
    try {
      Lsn.parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * @param archiveSystemId system identifier of the cluster whose WAL the archive holds (its
   *     {@code archive.json}), or null when the archive has none yet
   */
  public static RetentionPlan plan(String target, RetentionPolicy policy, List<BackupCatalog.Entry> catalog,
      WalListing wal, String archiveSystemId, Instant now) {
    return plan(target, policy, catalog, wal, archiveSystemId, List.of(), now);
  }

  /**
   * @param holds restores running now ({@link RestoreHolds}): their backups are kept whatever the
   *     policy says, and the WAL from their backups' start; stale holds are reported and ignored
   */
  public static RetentionPlan plan(String target, RetentionPolicy policy, List<BackupCatalog.Entry> catalog,
      WalListing wal, String archiveSystemId, List<RestoreHolds.Hold> holds, Instant now) {
    Instant windowStart = now.minus(Duration.ofDays(policy.recoveryWindowDays()));
    List<String> notes = new ArrayList<>();
    List<BackupCatalog.Entry> physical = new ArrayList<>();
    List<BackupCatalog.Entry> logical = new ArrayList<>();
    for (BackupCatalog.Entry e : catalog) {
      if (e.error() != null) {
        notes.add("left alone: " + e.backupId() + " (" + e.error() + ")");
      } else if (!e.present()) {
        continue; // already gone from the store: nothing to expire, nothing to keep
      } else if (e.finished().isEmpty()) {
        notes.add("left alone: " + e.backupId() + " (its manifest has no finish time)");
      } else if (e.physical()) {
        physical.add(e);
      } else {
        logical.add(e);
      }
    }
    Comparator<BackupCatalog.Entry> newestFirst = Comparator.comparing((BackupCatalog.Entry e) -> e.finished().get()).reversed();
    physical.sort(newestFirst);
    logical.sort(newestFirst);

    List<RetentionPlan.Backup> keep = new ArrayList<>();
    List<RetentionPlan.Backup> expire = new ArrayList<>();
    List<BackupCatalog.Entry> keptBases = new ArrayList<>();
    boolean anchorKept = false;
    for (int i = 0; i < physical.size(); i++) {
      BackupCatalog.Entry e = physical.get(i);
      String reason = null;
      if (!e.finished().get().isBefore(windowStart)) {
        reason = "inside the " + policy.recoveryWindowDays() + "-day recovery window";
      } else if (!anchorKept) {
        anchorKept = true;
        reason = "newest base backup before the window starts (" + windowStart + "): restores its first moments";
      }
      if (reason == null && i < policy.minFullBackups()) {
        reason = "one of the newest " + policy.minFullBackups() + " base backups";
      }
      if (reason != null) {
        keep.add(backup(e, reason));
        keptBases.add(e);
      } else {
        expire.add(backup(e, "base backup older than the recovery window and the minimum count"));
      }
    }
    for (int i = 0; i < logical.size(); i++) {
      BackupCatalog.Entry e = logical.get(i);
      if (!e.finished().get().isBefore(windowStart)) {
        keep.add(backup(e, "inside the " + policy.recoveryWindowDays() + "-day recovery window"));
      } else if (i < policy.minFullBackups()) {
        keep.add(backup(e, "one of the newest " + policy.minFullBackups() + " logical dumps"));
      } else {
        expire.add(backup(e, "logical dump older than the recovery window and the minimum count"));
      }
    }

    List<RestoreHolds.Hold> live = new ArrayList<>();
    for (RestoreHolds.Hold h : holds) {
      if (h.staleAt(now)) {
        notes.add("ignored a hold by restore " + h.restoreId() + " from " + h.createdAt() + ": older than "
            + RestoreHolds.STALE_AFTER.toHours() + " h, left by a restore that did not clean up");
      } else {
        live.add(h);
      }
    }
    for (RestoreHolds.Hold h : live) {
      for (int i = 0; i < expire.size(); i++) {
        RetentionPlan.Backup b = expire.get(i);
        if (b.backupId().equals(h.backupId())) {
          expire.remove(i--);
          keep.add(new RetentionPlan.Backup(b.backupId(), b.method(), b.finishedAt(), b.storedBytes(), b.sha256(),
              b.artifactKeys(), "restore " + h.restoreId() + " is reading it"));
        }
      }
    }

    RetentionPlan.WalExpiry walExpiry = null;
    // The WAL a kept base backup needs starts at its start LSN, on whatever timeline: everything
    // below the lowest start among them goes. Only backups of the archive's own cluster count: a
    // kept backup of a cluster since re-created says nothing about this archive's positions.
    List<BackupCatalog.Entry> ofThisArchive = keptBases.stream()
        .filter(e -> archiveSystemId == null || archiveSystemId.equals(e.systemIdentifier())).toList();
    if (keptBases.isEmpty()) {
      if (!wal.isEmpty()) {
        notes.add("no base backup is kept, so no WAL is expired");
      }
    } else if (ofThisArchive.isEmpty()) {
      notes.add("no kept base backup belongs to the cluster whose WAL the archive holds (system " + archiveSystemId
          + "), so no WAL is expired");
    } else if (ofThisArchive.stream().anyMatch(e -> !isLsn(e.startLsn()))) {
      // Manifests are read unsigned here: a garbled field keeps everything rather than failing (and retrying) the run.
      notes.add("left all WAL: a kept base backup records no usable start LSN ("
          + ofThisArchive.stream().filter(e -> !isLsn(e.startLsn())).map(e -> e.backupId() + ": " + e.startLsn()).toList()
          + ")");
    } else {
      BackupCatalog.Entry lowest = ofThisArchive.stream().min(Comparator.comparing(e -> Lsn.parse(e.startLsn()))).get();
      Lsn from = Lsn.parse(lowest.startLsn());
      String neededBy = lowest.backupId();
      for (RestoreHolds.Hold h : live) {
        if (isLsn(h.startLsn()) && Lsn.parse(h.startLsn()).compareTo(from) < 0) {
          from = Lsn.parse(h.startLsn());
          neededBy = "restore " + h.restoreId();
        }
      }
      walExpiry = walExpiry(wal, from, Math.max(1, lowest.timeline()), neededBy);
    }
    return new RetentionPlan(target, policy.recoveryWindowDays(), policy.minFullBackups(), now.toString(),
        windowStart.toString(), keep, expire, walExpiry, notes);
  }

  /** Segments and partials numbered below the segment holding {@code from}, or null if none. */
  private static RetentionPlan.WalExpiry walExpiry(WalListing wal, Lsn from, int timeline, String neededBy) {
    WalSegment keepFrom = WalSegment.containing(timeline, from.value(), wal.segmentSize());
    List<WalSegment> segments = wal.segments().keySet().stream().filter(s -> s.segNo() < keepFrom.segNo()).toList();
    long partials = wal.partials().keySet().stream().filter(s -> s.segNo() < keepFrom.segNo()).count();
    if (segments.isEmpty() && partials == 0) {
      return null;
    }
    Optional<WalSegment> first = segments.stream().min(Comparator.comparingLong(WalSegment::segNo));
    Optional<WalSegment> last = segments.stream().max(Comparator.comparingLong(WalSegment::segNo));
    return new RetentionPlan.WalExpiry(keepFrom.name(), neededBy, segments.size(), (int) partials,
        first.map(WalSegment::name).orElse(null), last.map(WalSegment::name).orElse(null));
  }

  private static RetentionPlan.Backup backup(BackupCatalog.Entry e, String reason) {
    return new RetentionPlan.Backup(e.backupId(), e.method(), e.finishedAt(), e.storedBytes(), e.sha256(),
        e.artifactKeys(), reason);
  }

  /** For messages and the CLI: the keys a plan's WAL boundary removes from {@code wal}. */
  public static List<String> walKeysBelow(WalListing wal, String keepFromSegment) {
    long boundary = WalSegment.parse(keepFromSegment, wal.segmentSize()).segNo();
    List<String> keys = new ArrayList<>();
    for (Map.Entry<WalSegment, String> s : wal.segments().entrySet()) {
      if (s.getKey().segNo() < boundary) {
        keys.add(s.getValue());
      }
    }
    wal.partials().forEach((s, deltas) -> {
      if (s.segNo() < boundary) {
        deltas.forEach(d -> keys.add(d.key()));
      }
    });
    return keys;
  }
}
