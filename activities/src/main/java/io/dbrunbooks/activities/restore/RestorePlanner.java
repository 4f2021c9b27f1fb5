package io.dbrunbooks.activities.restore;

import static io.dbrunbooks.activities.restore.RestoreFailures.PLAN_REFUSED;
import static io.dbrunbooks.activities.restore.RestoreFailures.nonRetryable;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalArchiveInfo;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.activities.wal.WalVerifier;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.restore.PlanRequest;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.SkippedBackup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the base backup for a recovery target and proves, before anything is provisioned, that
 * the restore can work: the manifest is signed by the target's key and sits where it belongs, its
 * audit chain is intact, the stored artifact still hashes to what was sealed, and the archive holds
 * every WAL segment from the backup's start to the recovery target.
 */
final class RestorePlanner {
  private final String target;
  private final EvidenceRegistry registry;
  private final BackupStore store;
  private final KeySource keys;

  RestorePlanner(String target, EvidenceRegistry registry, BackupStore store, KeySource keys) {
    this.target = target;
    this.registry = registry;
    this.store = store;
    this.keys = keys;
  }

  RestorePlan plan(PlanRequest request) throws IOException {
    RecoveryTarget to = request.recoveryTarget();
    Goal goal = Goal.of(to);
    WalArchive archive = new WalArchive(store, keys, target);
    Optional<WalArchiveInfo> info = archive.info();
    if (info.isEmpty()) {
      throw nonRetryable(PLAN_REFUSED, "target '" + target + "' has no WAL archive at " + archive.location()
          + ": a point-in-time restore replays archived WAL; start WAL archiving for it first");
    }
    WalListing listing = archive.list();
    TimelinePath path = TimelinePath.of(archive, listing);
    List<SkippedBackup> skipped = new ArrayList<>();
    BackupCatalog.Entry chosen = choose(BackupCatalog.read(registry, store, target), request, goal, path, skipped);
    List<String> provenance = new ArrayList<>();
    BackupArtifact artifact = verifiedArtifact(chosen, provenance);
    Wal wal = walCoverage(chosen, goal, archive, info.get(), listing, path, provenance);
    return new RestorePlan(target, chosen.backupId(), chosen.manifestLocation(), artifact, chosen.timeline(),
        chosen.startLsn(), chosen.stopLsn(), chosen.startedAt(), chosen.finishedAt(), to, wal.first().name(),
        wal.last().name(), wal.checkedTo().toString(), wal.segments(), wal.bytes(), artifact.storedBytes() + wal.bytes(),
        List.copyOf(provenance), skipped);
  }

  /**
   * The recovery target, parsed once. A value that cannot be one is refused at once: retrying a
   * parse cannot help. The workflow refuses these before planning; this holds for any other caller.
   */
  private record Goal(RecoveryTarget to, Lsn lsn, Instant time) {
    static Goal of(RecoveryTarget to) {
      String v = to.value() == null ? null : to.value().strip();
      try {
        return switch (to.kind()) {
          case LSN -> new Goal(to, Lsn.parse(v), null);
          case TIME -> new Goal(to, null, OffsetDateTime.parse(String.valueOf(v)).toInstant());
          case NAME, LATEST -> new Goal(to, null, null);
        };
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        throw nonRetryable(PLAN_REFUSED, "recoveryTarget.value: " + e.getMessage());
      }
    }

    /**
     * Whether recovery from {@code e} can stop here: a time at or after the backup finished, an LSN
     * at or after its stop LSN. A restore point's position is unknown until replay finds it, and
     * {@code latest} is after every backup: the newest backup serves both.
     */
    boolean after(BackupCatalog.Entry e) {
      return switch (to.kind()) {
        case TIME -> !e.finished().orElse(Instant.MAX).isAfter(time);
        case LSN -> Lsn.parse(e.stopLsn()).compareTo(lsn) <= 0;
        case NAME, LATEST -> true;
      };
    }
  }

  /**
   * The requested backup, or the newest physical one that is consistent at or before the recovery
   * target. Newer backups passed over for a defect land in {@code skipped} with the reason, and so
   * does every unreadable manifest (its age is unknown): a restore never falls back silently.
   */
  private BackupCatalog.Entry choose(List<BackupCatalog.Entry> catalog, PlanRequest request, Goal goal,
      TimelinePath path, List<SkippedBackup> skipped) {
    RecoveryTarget to = goal.to();
    String list = "; list them with: runbooks backups list --target " + target;
    if (request.backupId() != null) {
      BackupCatalog.Entry e = catalog.stream().filter(c -> request.backupId().equals(c.backupId())).findFirst()
          .orElseThrow(() -> nonRetryable(PLAN_REFUSED, "target '" + target + "' has no sealed backup '" + request.backupId()
              + "' in its evidence registry " + registry.uri() + list));
      String unreadable = unreadable(e);
      if (unreadable != null) {
        throw nonRetryable(PLAN_REFUSED, "backup " + e.backupId() + " cannot be restored: " + unreadable + "; restore from"
            + " another backup, or leave backupId out to use the newest one that can be read" + list);
      }
      if (!e.physical()) {
        throw nonRetryable(PLAN_REFUSED, "backup " + e.backupId() + " is a " + e.method() + " backup; a point-in-time"
            + " restore starts from a physical one" + list);
      }
      if (!e.present()) {
        throw nonRetryable(PLAN_REFUSED, "the artifact of backup " + e.backupId() + " is missing from the backup store "
            + store.uri());
      }
      String offPath = e.stopLsn() == null ? null : path.excludes(e.timeline(), Lsn.parse(e.stopLsn()));
      if (offPath != null) {
        throw nonRetryable(PLAN_REFUSED, "backup " + e.backupId() + " cannot be restored: " + offPath
            + "; choose a backup on that path or leave backupId out");
      }
      if (!goal.after(e)) {
        throw nonRetryable(PLAN_REFUSED, "backup " + e.backupId() + " is consistent only from " + e.stopLsn() + " ("
            + e.finishedAt() + "), after the recovery target " + to.describe() + "; choose an earlier backup or leave"
            + " backupId out");
      }
      return e;
    }
    List<BackupCatalog.Entry> physical = new ArrayList<>();
    List<BackupCatalog.Entry> passedOver = new ArrayList<>();
    for (BackupCatalog.Entry c : catalog) {
      if (c.error() == null && !c.physical()) {
        continue; // a logical backup never starts a point-in-time restore
      }
      String why = unusable(c, path);
      if (why == null) {
        physical.add(c);
      } else {
        passedOver.add(c);
        skipped.add(new SkippedBackup(c.backupId(), why));
      }
    }
    physical.sort(Comparator.comparing((BackupCatalog.Entry c) -> Lsn.parse(c.stopLsn())).reversed());
    String skippedNote = skipped.isEmpty() ? "" : "; passed over: " + String.join("; ", skipped.stream()
        .map(k -> k.backupId() + " (" + k.reason() + ")").toList());
    if (physical.isEmpty()) {
      throw nonRetryable(PLAN_REFUSED, "target '" + target + "' has no sealed physical backup whose artifact is in the"
          + " store " + store.uri() + " and that recovery along " + path + " can start from" + skippedNote
          + "; take one with: runbooks backup start --target " + target);
    }
    BackupCatalog.Entry chosen = physical.stream().filter(goal::after).findFirst().orElseThrow(() -> {
      BackupCatalog.Entry earliest = physical.get(physical.size() - 1);
      return nonRetryable(PLAN_REFUSED, "recovery target " + to.describe() + " is before the earliest physical backup of '"
          + target + "' is consistent (" + earliest.backupId() + ", finished " + earliest.finishedAt() + " at "
          + earliest.stopLsn() + "): there is nothing to restore from that far back; the earliest restorable time is "
          + earliest.finishedAt() + skippedNote);
    });
    // Only what could have been used instead: older backups, and those consistent after the target, were never candidates.
    Instant chosenSealed = chosen.sealed().orElse(Instant.EPOCH);
    for (BackupCatalog.Entry c : passedOver) {
      boolean older = c.sealed().isPresent() && !c.sealed().get().isAfter(chosenSealed);
      if (older || c.error() == null && !couldServe(c, goal)) {
        skipped.removeIf(k -> k.backupId().equals(c.backupId()));
      }
    }
    return chosen;
  }

  /** Why the physical backup {@code c} cannot start a recovery along {@code path}; null when it can. */
  private String unusable(BackupCatalog.Entry c, TimelinePath path) {
    String unreadable = unreadable(c);
    if (unreadable != null) {
      return unreadable;
    }
    if (!c.present()) {
      return "its artifact is missing from the backup store " + store.uri();
    }
    // A backup of a timeline the newest one left before it was taken (the old primary after a promotion) cannot be used.
    return path.excludes(c.timeline(), Lsn.parse(c.stopLsn()));
  }

  /**
   * Why the catalog cannot use {@code e}'s manifest: it does not parse, or lacks or garbles what a
   * plan needs (its WAL range and finish time). Null when it is readable.
   */
  private static String unreadable(BackupCatalog.Entry e) {
    if (e.error() != null) {
      return "its manifest " + e.manifestLocation() + " cannot be read (" + e.error().lines().findFirst().orElse("")
          .replaceFirst("^unreadable manifest: ", "") + ")";
    }
    if (!e.physical()) {
      return null; // a logical backup records no WAL range
    }
    for (String[] field : new String[][] {{"startLsn", e.startLsn()}, {"stopLsn", e.stopLsn()}}) {
      try {
        Lsn.parse(field[1]);
      } catch (IllegalArgumentException ex) {
        return "its manifest " + e.manifestLocation() + " gives no usable artifact." + field[0] + " (" + ex.getMessage() + ")";
      }
    }
    if (e.finished().isEmpty()) {
      return "its manifest " + e.manifestLocation() + " gives no usable artifact.finishedAt ('" + e.finishedAt() + "')";
    }
    return null;
  }

  /** Whether a backup passed over could have served the target had it been usable: consistent at or before it. */
  private static boolean couldServe(BackupCatalog.Entry c, Goal goal) {
    try {
      return goal.after(c);
    } catch (RuntimeException e) {
      return true; // an LSN that does not parse: the reason already says so
    }
  }

  /** Checks the evidence offline, as {@code runbooks evidence verify} does, and returns the signed artifact record. */
  private BackupArtifact verifiedArtifact(BackupCatalog.Entry e, List<String> provenance) throws IOException {
    EvidenceVerifier.Report report = new EvidenceVerifier(registry, store, keys::verificationKey).verify(target, e.backupId());
    if (!report.ok()) {
      throw nonRetryable(PLAN_REFUSED, "provenance of backup " + e.backupId() + " does not hold: " + String.join("; ",
          report.failures().stream().map(EvidenceVerifier.Check::message).toList())
          + "; restore from another backup (backupId) and investigate this one with: runbooks evidence verify " + e.backupId());
    }
    // Some checks' messages already start with their name ("artifact <key>: ..."): say it once.
    report.checks().forEach(c -> provenance.add(c.message().startsWith(c.name()) ? c.message() : c.name() + ": " + c.message()));
    byte[] jws = registry.get(e.manifestPath()).orElseThrow(() -> new IOException("manifest " + e.manifestLocation() + " vanished"));
    Map<String, Object> manifest;
    try {
      // Write-once: the bytes just verified. Verified again so the record used is the signed one.
      byte[] payload = Jws.verify(new String(jws, StandardCharsets.US_ASCII), keys::verificationKey).payload();
      manifest = CanonicalJson.mapper().readValue(payload, new TypeReference<Map<String, Object>>() {});
    } catch (JwsException ex) {
      throw nonRetryable(PLAN_REFUSED, "manifest " + e.manifestLocation() + ": " + ex.getMessage());
    }
    BackupArtifact a = CanonicalJson.mapper().convertValue(manifest.get("artifact"), BackupArtifact.class);
    if (a == null || a.key() == null || !e.artifactKeys().contains(a.key())) {
      throw nonRetryable(PLAN_REFUSED, "manifest " + e.manifestLocation() + " does not describe its artifact");
    }
    return a;
  }

  record Wal(WalSegment first, WalSegment last, Lsn checkedTo, long segments, long bytes) {}

  /**
   * Every segment from the backup's start to the recovery target must be archived, along the
   * timelines recovery follows ({@link TimelinePath}). Where the target sits in the WAL is known
   * only for an LSN; for a time, a restore point or {@code latest} the whole archive from the backup
   * on must be unbroken, which is what a later recovery would read.
   */
  private Wal walCoverage(BackupCatalog.Entry e, Goal goal, WalArchive archive, WalArchiveInfo info,
      WalListing listing, TimelinePath path, List<String> provenance) {
    RecoveryTarget to = goal.to();
    if (e.systemIdentifier() != null && !e.systemIdentifier().equals(info.systemIdentifier())) {
      throw nonRetryable(PLAN_REFUSED, "the WAL archive at " + archive.location() + " belongs to system identifier "
          + info.systemIdentifier() + " but backup " + e.backupId() + " was taken from " + e.systemIdentifier());
    }
    int segmentSize = info.segmentSize();
    Lsn from = Lsn.parse(e.startLsn());
    Lsn stop = Lsn.parse(e.stopLsn());
    Lsn until;
    if (goal.lsn() != null) {
      until = goal.lsn();
    } else {
      until = lastArchived(listing, path.newest());
      if (until == null && path.branchPoint() != null) {
        until = path.branchPoint(); // nothing of the newest timeline yet: its first segment is named missing below
      }
      if (until == null) {
        throw nonRetryable(PLAN_REFUSED, "the WAL archive at " + archive.location() + " holds nothing on timeline "
            + path.newest() + " of backup " + e.backupId());
      }
    }
    if (until.compareTo(stop) < 0) {
      until = stop; // the backup itself must become consistent, whatever the target
    }
    List<TimelinePath.Range> ranges = path.ranges(e.timeline(), from, until, segmentSize);
    WalSegment first = null;
    WalSegment last = null;
    long segments = 0;
    for (TimelinePath.Range r : ranges) {
      WalSegment a = WalSegment.containing(r.timeline(), r.from().value(), segmentSize);
      WalSegment b = WalSegment.containing(r.timeline(), r.to().value(), segmentSize);
      first = first == null ? a : first;
      last = b;
      segments += b.segNo() - a.segNo() + 1;
      Optional<WalSegment> missing = listing.firstMissing(r.timeline(), r.from(), r.to());
      if (missing.isPresent() && goal.lsn() != null && r == ranges.get(ranges.size() - 1)) {
        beyondTheEnd(missing.get(), goal, archive, listing);
      }
      if (missing.isPresent()) {
        throw nonRetryable(PLAN_REFUSED, "WAL segment " + missing.get().name() + " is missing from the archive at "
            + archive.location() + ": recovery from backup " + e.backupId() + " to " + to.describe() + " needs every segment"
            + " from " + a.name() + " to " + b.name() + " on timeline " + r.timeline()
            + (ranges.size() > 1 ? " (recovery follows " + path + ")" : "") + ". Restore to a point before the"
            + " gap (an LSN before " + new Lsn(missing.get().startLsn()) + ") or from a backup taken after it");
      }
    }
    provenance.add("WAL archive: system identifier " + info.systemIdentifier() + "; every segment from " + first.name()
        + " to " + last.name() + " (" + segments + ") archived, up to " + until
        + (ranges.size() > 1 ? ", along " + path : ""));
    return new Wal(first, last, until, segments, segments * segmentSize);
  }

  /**
   * Refuses a recovery LSN past the end of the archive on its timeline as what it is, not as a
   * missing segment: nothing is archived from {@code missing} on, so there is no gap to explain.
   * Returns when later WAL exists (a real gap, reported by the caller) or the timeline has none.
   */
  private void beyondTheEnd(WalSegment missing, Goal goal, WalArchive archive, WalListing listing) {
    Lsn end = WalVerifier.lastArchived(listing, missing.timeline());
    if (end == null || end.value() > missing.startLsn()) {
      return;
    }
    WalSegment lastSegment = WalSegment.containing(missing.timeline(), end.value() - 1, listing.segmentSize());
    boolean partial = !listing.segments().containsKey(lastSegment);
    throw nonRetryable(PLAN_REFUSED, "the WAL archive of '" + target + "' at " + archive.location() + " ends at " + end
        + " on timeline " + missing.timeline() + " (last archived: segment " + lastSegment.name()
        + (partial ? ", still being filled" : "") + "); the recovery target LSN " + goal.lsn() + " is beyond it."
        + " Choose an LSN before " + end + ", restore to {\"kind\": \"latest\"}, or wait until the archiver has"
        + " archived past it (runbooks wal archive status --target " + target + ")");
  }

  /** The last LSN the archive holds on {@code timeline}, complete segments and partial deltas alike; null if none. */
  private static Lsn lastArchived(WalListing listing, int timeline) {
    Lsn last = null;
    for (WalSegment s : listing.segments().keySet()) {
      if (s.timeline() == timeline) {
        last = max(last, new Lsn(s.endLsn() - 1));
      }
    }
    for (Map.Entry<WalSegment, Integer> p : listing.partialEnds().entrySet()) {
      if (p.getKey().timeline() == timeline && p.getValue() > 0) {
        last = max(last, new Lsn(p.getKey().startLsn() + p.getValue()));
      }
    }
    return last;
  }

  private static Lsn max(Lsn a, Lsn b) {
    return a == null || b.compareTo(a) > 0 ? b : a;
  }
}
