package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.restore.RestoreChecks.AmcheckResult;
import io.dbrunbooks.workflows.restore.RestoreChecks.SmokeResult;
import io.dbrunbooks.workflows.restore.RestoreChecks.TableRows;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory restore steps that keep track of what is provisioned, so tests can see what is left behind. */
public class FakeRestoreActivities implements RestoreActivities {
  public final List<String> calls = new CopyOnWriteArrayList<>();
  /** Restore ids whose environment exists now. */
  public final Set<String> environments = ConcurrentHashMap.newKeySet();
  public volatile RuntimeException planFailure;
  /** Backups the plan reports it passed over. */
  public volatile List<SkippedBackup> skipped = List.of();
  public volatile RuntimeException recoverFailure;
  public volatile boolean smokeQueryFails;
  /** When set, the plan waits for it: lets a test act while the run is in PLAN. */
  public volatile java.util.concurrent.CountDownLatch planGate;

  @Override
  public RestorePlan plan(PlanRequest r) {
    calls.add("plan");
    if (planGate != null) {
      try {
        planGate.await(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (planFailure != null) {
      throw planFailure;
    }
    BackupArtifact a = new BackupArtifact("orders-20261121T090000Z-abc123", r.target(), BackupMethod.PHYSICAL,
        "orders/orders-20261121T090000Z-abc123/base.tar.zst.aes", "file:/store/orders/orders-20261121T090000Z-abc123/base.tar.zst.aes",
        "tar", 100_000_000, 20_000_000, "aa".repeat(32), "bb".repeat(32), "zstd", "aes-256-gcm", "local:kek-1", "d3JhcHBlZA==",
        "pg_basebackup (PostgreSQL) 15.10", "2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z", "0/2000028", "0/2000100", 1);
    return new RestorePlan(r.target(), a.backupId(), "file:/evidence/orders/backups/" + a.backupId() + "/manifest.jws", a, 1,
        "0/2000028", "0/2000100", "2026-11-21 09:00:00 UTC", "2026-11-21T09:01:00Z", r.recoveryTarget(),
        "000000010000000000000002", "000000010000000000000005", "0/6000000", 4, 64L << 20, 20_000_000 + (64L << 20),
        List.of("manifest signature verified"), skipped);
  }

  @Override
  public RestoreEnvironment provision(ProvisionRequest r) {
    calls.add("provision");
    environments.add(r.restoreId());
    return environment(r.restoreId());
  }

  public static RestoreEnvironment environment(String restoreId) {
    return new RestoreEnvironment(restoreId, "/restores/" + restoreId, "/restores/" + restoreId + "/data", 54321,
        "orders-restore-" + restoreId.substring(restoreId.length() - 6));
  }

  @Override
  public RestoredData restoreBaseBackup(RestoreDataRequest r) {
    calls.add("restore");
    return new RestoredData(20_000_000, 100_000_000, 1500, "java ... WalFetchMain %f %p", List.of("source SHA-256 matches"));
  }

  @Override
  public RecoveredPoint recover(RecoverRequest r) {
    calls.add("recover");
    if (recoverFailure != null) {
      throw recoverFailure;
    }
    return new RecoveredPoint("0/5A00128", "2026-11-21T10:40:58.912Z", 2, "recovery stopping before commit of transaction 812");
  }

  @Override
  public RestoreChecks check(ChecksRequest r) {
    calls.add("check");
    List<SmokeResult> smoke = r.smokeQueries().stream()
        .map(q -> smokeQueryFails
            ? new SmokeResult(q.sql(), "orders", q.sql(), false, List.of(), List.of(), "ERROR: relation \"orders\" does not exist")
            : new SmokeResult(q.sql(), "orders", q.sql(), true, List.of("count"), List.of(List.of("42")), null))
        .toList();
    return new RestoreChecks(new AmcheckResult(true, List.of("orders", "postgres"), "no corruption found"),
        List.of(new TableRows("orders", "public.orders", 42)), smoke);
  }

  @Override
  public List<String> teardown(TeardownRequest r) {
    calls.add("teardown");
    return environments.remove(r.restoreId()) ? List.of("/restores/" + r.restoreId()) : List.of();
  }

  public static ApplicationFailure nonRetryable(String message, String type) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }
}
