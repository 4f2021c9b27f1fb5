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
 *   <li>Backup classes: a backup whose class has a period in {@code retention.classes} is also kept
 *       while it finished less than that many days ago ("class weekly, 200 d old &lt; 365 d"). A class
 *       only ever adds: the rules above, restore holds and evidence win over any class, so a class
 *       period shorter than the window changes nothing, and the newest backup stays whatever its
 *       class. Unclassed backups (all sealed before classes) and classes without a period follow
 *       the rules above alone. Every reason that keeps a backup is recorded in the plan.
 *   <li>Only present, readable backups count. A manifest that cannot be read stops nothing but is
 *       never acted on; a backup whose artifact is already gone has nothing left to expire.
 *   <li>WAL, per backup as pgBackRest's archive retention does it. Point-in-time recovery needs the
 *       WAL from the start LSN of the oldest base backup kept by the rules above (or read by a
 *       restore) to the end: everything numbered below that segment goes, on every timeline. An
 *       older base backup kept only for its class keeps just the segments from its start LSN to its
 *       stop LSN, the WAL that makes it consistent: it restores to the moment it finished (a
 *       recovery target at its stop LSN), not to any moment since. Keeping all WAL from a year-old
 *       weekly backup on would keep a year of WAL for moments nobody can name; a backup that
 *       should restore to any moment belongs inside the recovery window. Only backups of the
 *       archive's own cluster (same system identifier) count; with none kept, no WAL goes.
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
    // Kept by the window, its anchor or the minimum: point-in-time recovery starts from these.
    List<BackupCatalog.Entry> keptBases = new ArrayList<>();
    // Kept by their class alone: each needs only the WAL that makes it consistent.
    List<BackupCatalog.Entry> keptForClass = new ArrayList<>();
    boolean anchorKept = false;
    for (int i = 0; i < physical.size(); i++) {
      BackupCatalog.Entry e = physical.get(i);
      List<String> reasons = new ArrayList<>();
      if (!e.finished().get().isBefore(windowStart)) {
        reasons.add("inside the " + policy.recoveryWindowDays() + "-day recovery window");
      } else if (!anchorKept) {
        anchorKept = true;
        reasons.add("newest base backup before the window starts (" + windowStart + "): restores its first moments");
      }
      if (reasons.isEmpty() && i < policy.minFullBackups()) {
        reasons.add("one of the newest " + policy.minFullBackups() + " base backups");
      }
      boolean guaranteed = !reasons.isEmpty();
      String byClass = BackupClassRule.keeps(policy, e, now);
      if (byClass != null) {
        reasons.add(byClass);
      }
      if (reasons.isEmpty()) {
        expire.add(backup(e, "base backup older than the recovery window and the minimum count"
            + BackupClassRule.expiredNote(policy, e, now)));
      } else {
        keep.add(backup(e, String.join("; ", reasons)));
        (guaranteed ? keptBases : keptForClass).add(e);
      }
    }
    for (int i = 0; i < logical.size(); i++) {
      BackupCatalog.Entry e = logical.get(i);
      List<String> reasons = new ArrayList<>();
      if (!e.finished().get().isBefore(windowStart)) {
        reasons.add("inside the " + policy.recoveryWindowDays() + "-day recovery window");
      } else if (i < policy.minFullBackups()) {
        reasons.add("one of the newest " + policy.minFullBackups() + " logical dumps");
      }
      String byClass = BackupClassRule.keeps(policy, e, now);
      if (byClass != null) {
        reasons.add(byClass);
      }
      if (reasons.isEmpty()) {
        expire.add(backup(e, "logical dump older than the recovery window and the minimum count"
            + BackupClassRule.expiredNote(policy, e, now)));
      } else {
        keep.add(backup(e, String.join("; ", reasons)));
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
              b.artifactKeys(), "restore " + h.restoreId() + " is reading it", b.backupClass()));
        }
      }
    }

    RetentionPlan.WalExpiry walExpiry = null;
    // The WAL a kept base backup needs starts at its start LSN, on whatever timeline: everything
    // below the lowest start among them goes. Only backups of the archive's own cluster count: a
    // kept backup of a cluster since re-created says nothing about this archive's positions.
    List<BackupCatalog.Entry> ofThisArchive = keptBases.stream()
        .filter(e -> archiveSystemId == null || archiveSystemId.equals(e.systemIdentifier())).toList();
    List<BackupCatalog.Entry> classOfThisArchive = keptForClass.stream()
        .filter(e -> archiveSystemId == null || archiveSystemId.equals(e.systemIdentifier())).toList();
    List<String> noStart = java.util.stream.Stream.concat(ofThisArchive.stream(), classOfThisArchive.stream())
        .filter(e -> !isLsn(e.startLsn())).map(e -> e.backupId() + ": " + e.startLsn()).toList();
    List<String> noStop = classOfThisArchive.stream()
        .filter(e -> !isLsn(e.stopLsn())).map(e -> e.backupId() + ": " + e.stopLsn()).toList();
    if (keptBases.isEmpty()) {
      if (!wal.isEmpty()) {
        notes.add("no base backup is kept, so no WAL is expired");
      }
    } else if (ofThisArchive.isEmpty()) {
      notes.add("no kept base backup belongs to the cluster whose WAL the archive holds (system " + archiveSystemId
          + "), so no WAL is expired");
    } else if (!noStart.isEmpty()) {
      // Manifests are read unsigned here: a garbled field keeps everything rather than failing (and retrying) the run.
      notes.add("left all WAL: a kept base backup records no usable start LSN (" + noStart + ")");
    } else if (!noStop.isEmpty()) {
      notes.add("left all WAL: a base backup kept for its class records no usable stop LSN (" + noStop + ")");
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
      List<RetentionPlan.WalRange> consistency = new ArrayList<>();
      for (BackupCatalog.Entry e : classOfThisArchive) {
        int timeline = Math.max(1, e.timeline());
        consistency.add(new RetentionPlan.WalRange(
            WalSegment.containing(timeline, Lsn.parse(e.startLsn()).value(), wal.segmentSize()).name(),
            WalSegment.containing(timeline, Lsn.parse(e.stopLsn()).value(), wal.segmentSize()).name(), e.backupId()));
      }
      walExpiry = WalRetention.expiry(wal, from, Math.max(1, lowest.timeline()), neededBy, consistency);
    }
    return new RetentionPlan(target, policy.recoveryWindowDays(), policy.minFullBackups(), now.toString(),
        windowStart.toString(), keep, expire, walExpiry, notes, policy.keepDaysByClass());
  }

  private static RetentionPlan.Backup backup(BackupCatalog.Entry e, String reason) {
    return new RetentionPlan.Backup(e.backupId(), e.method(), e.finishedAt(), e.storedBytes(), e.sha256(),
        e.artifactKeys(), reason, e.backupClass());
  }
}
