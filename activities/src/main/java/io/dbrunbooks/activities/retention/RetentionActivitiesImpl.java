package io.dbrunbooks.activities.retention;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.RetentionPolicy;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.restore.RestoreHolds;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.workflows.retention.RetentionActivities;
import io.dbrunbooks.workflows.retention.RetentionOutcome;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Plans and applies retention against a target's evidence registry (the catalog) and backup store. */
public final class RetentionActivitiesImpl implements RetentionActivities {
  private static final Logger log = LoggerFactory.getLogger(RetentionActivitiesImpl.class);
  static final String NO_POLICY = "NoRetentionPolicy";

  private final TargetsConfig config;
  private final Function<String, RetentionPolicy> policies;
  private final Function<String, BackupStore> stores;
  private final Function<String, EvidenceRegistry> registries;
  private final Function<String, KeySource> keys;
  private final Clock clock;

  public RetentionActivitiesImpl(TargetsConfig config, Function<String, BackupStore> stores,
      Function<String, EvidenceRegistry> registries, Function<String, KeySource> keys, Clock clock) {
    this.config = config;
    this.policies = name -> config.target(name).retention();
    this.stores = stores;
    this.registries = registries;
    this.keys = keys;
    this.clock = clock;
  }

  @Override
  public RetentionPlan plan(RetentionRequest request) {
    String target = request.target();
    RetentionPolicy policy;
    try {
      policy = policies.apply(target);
    } catch (UnknownTargetException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "UnknownTarget");
    }
    if (policy == null) {
      throw ApplicationFailure.newNonRetryableFailure("target '" + target + "' has no retention policy, so nothing is"
          + " expired; add `retention: {recoveryWindowDays: 7, minFullBackups: 2}` to it in " + config.source(), NO_POLICY);
    }
    return freshPlan(target, policy);
  }

  @Override
  public RetentionOutcome apply(RetentionPlan plan) {
    String target = plan.target();
    BackupStore store = stores.apply(target);
    // The plan may be minutes or, after retries, hours old. Only what a fresh plan still expires
    // goes: if someone deleted newer backups meanwhile, an old one may have become the one to keep.
    // With the policy configured now: one widened during an incident protects at once.
    RetentionPolicy current = policies.apply(target);
    RetentionPlan now = freshPlan(target, current != null ? current : policyOf(plan));
    Set<String> stillExpired = new HashSet<>();
    now.expire().forEach(b -> stillExpired.add(b.backupId()));
    List<String> expired = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    try {
      for (RetentionPlan.Backup b : plan.expire()) {
        if (!stillExpired.contains(b.backupId())) {
          log.info("retention of {}: keeping {} after all, a fresh plan needs it", target, b.backupId());
          continue;
        }
        String prefix = target + "/" + b.backupId() + "/";
        for (String key : b.artifactKeys()) {
          if (!key.startsWith(prefix)) {
            throw ApplicationFailure.newNonRetryableFailure("backup " + b.backupId() + " names artifact " + key
                + " outside " + prefix + "; refusing to delete it", "UnsafeArtifactKey");
          }
        }
        removed.addAll(store.deletePrefix(prefix));
        expired.add(b.backupId());
        Activity.getExecutionContext().heartbeat(b.backupId());
      }
      int segments = 0;
      int partials = 0;
      if (plan.wal() != null && now.wal() != null) {
        // Only what both plans remove: never delete WAL that either of them keeps.
        WalListing wal = archive(target).list();
        int n = 0;
        for (String key : WalRetention.keysRemovedByAll(wal, List.of(plan.wal(), now.wal()))) {
          store.deletePrefix(key);
          if (key.contains("/partial/")) {
            partials++;
          } else {
            segments++;
          }
          if (++n % 100 == 0) {
            Activity.getExecutionContext().heartbeat(n);
          }
        }
      }
      log.info("retention of {}: expired {} backup(s), {} WAL segment(s), {} partial delta(s)", target, expired.size(),
          segments, partials);
      return new RetentionOutcome(expired, removed, segments, partials);
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("retention of " + target + ": the backup store " + store.uri() + " failed: " + e,
          "StoreError");
    }
  }

  /** The policy a plan was made with, for when the target's policy has since been removed. */
  private static RetentionPolicy policyOf(RetentionPlan plan) {
    java.util.Map<String, RetentionPolicy.ClassPeriod> classes = new java.util.TreeMap<>();
    if (plan.classKeepDays() != null) {
      plan.classKeepDays().forEach((name, days) -> classes.put(name, new RetentionPolicy.ClassPeriod(days)));
    }
    return new RetentionPolicy(plan.recoveryWindowDays(), plan.minFullBackups(), classes);
  }

  private RetentionPlan freshPlan(String target, RetentionPolicy policy) {
    try {
      List<BackupCatalog.Entry> catalog = BackupCatalog.read(registries.apply(target), stores.apply(target), target);
      WalArchive archive = archive(target);
      String systemId = archive.info().map(io.dbrunbooks.activities.wal.WalArchiveInfo::systemIdentifier).orElse(null);
      List<RestoreHolds.Hold> holds = new RestoreHolds(stores.apply(target), target).list();
      return RetentionPlanner.plan(target, policy, catalog, archive.list(), systemId, holds, clock.instant());
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("retention of " + target + ": cannot read the catalog or WAL archive: " + e,
          "StoreError");
    } catch (UncheckedIOException e) {
      throw ApplicationFailure.newNonRetryableFailure("retention of " + target + ": " + e.getCause().getMessage(),
          "KeyUnavailable");
    }
  }

  private WalArchive archive(String target) {
    return new WalArchive(stores.apply(target), keys.apply(target), target);
  }
}
