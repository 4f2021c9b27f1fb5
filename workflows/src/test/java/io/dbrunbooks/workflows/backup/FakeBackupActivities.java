package io.dbrunbooks.workflows.backup;

import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** In-memory stand-in for the PostgreSQL activities, so workflow logic can be tested alone. */
class FakeBackupActivities implements BackupActivities {
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<String> stored = new CopyOnWriteArrayList<>();
  volatile RuntimeException precheckFailure;
  /** What the precheck reports it saw on the primary. */
  volatile List<StandbyLag> standbys = List.of();
  volatile List<WalReceiver> receivers = List.of();
  volatile List<String> notes = List.of();
  /** The target has a retention policy: the backup starts retention when it is done. */
  volatile boolean retentionPolicy;
  volatile RuntimeException takeFailure;
  volatile RuntimeException verifyFailure;
  volatile RuntimeException deleteFailure;
  /** When set, takeBackup waits on it, so a test can query or cancel mid-backup. */
  volatile CountDownLatch holdTake;
  final CountDownLatch takeStarted = new CountDownLatch(1);

  @Override
  public PrecheckReport precheck(PrecheckRequest r) {
    calls.add("precheck");
    if (precheckFailure != null) {
      throw precheckFailure;
    }
    return new PrecheckReport(
        r.target(), "15.18", 150018, "7300000000000000001", "primary", 0.4, 30, standbys, receivers, notes, 1 << 20, 1L << 34, "2026-11-21T10:00:00Z",
        retentionPolicy);
  }

  @Override
  public BackupArtifact takeBackup(TakeBackupRequest r) {
    calls.add("take");
    String key = r.target() + "/" + r.backupId() + "/base.tar.zst.aes";
    // Written first, as the real store would, so a later failure leaves something to clean up.
    stored.add(key);
    takeStarted.countDown();
    if (holdTake != null) {
      // Heartbeat while held, as the real step does: that is how a cancel reaches it.
      try {
        while (!holdTake.await(100, TimeUnit.MILLISECONDS)) {
          Activity.getExecutionContext().heartbeat(0L);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (takeFailure != null) {
      throw takeFailure;
    }
    return new BackupArtifact(
        r.backupId(), r.target(), r.method(), key, "file:/backups/" + key, "tar", 1 << 20, 400_000,
        "aa".repeat(32), "bb".repeat(32), "zstd", "AES-256-GCM", "local:kek-1", "d3JhcHBlZA==",
        "pg_basebackup (PostgreSQL) 15.18", "2026-11-21T10:00:01Z", "2026-11-21T10:00:05Z", "0/2000028", "0/2000100", 1);
  }

  @Override
  public VerificationReport verifyBackup(VerifyRequest r) {
    calls.add("verify");
    if (verifyFailure != null) {
      throw verifyFailure;
    }
    BackupArtifact a = r.artifact();
    return new VerificationReport(
        a.backupId(), a.sha256(), a.sourceSha256(), a.sourceBytes(), "pg_verifybackup",
        List.of("stored sha256 matches", "pg_verifybackup: backup successfully verified"),
        a.startLsn(), a.stopLsn(), "000000010000000000000002", "000000010000000000000002", 1,
        "2026-11-21 10:00:01 UTC", a.finishedAt(), 1200, "2026-11-21T10:00:09Z");
  }

  @Override
  public List<String> deleteArtifacts(DeleteArtifactsRequest r) {
    calls.add("delete");
    if (deleteFailure != null) {
      throw deleteFailure;
    }
    List<String> removed = stored.stream().filter(k -> k.startsWith(r.target() + "/" + r.backupId() + "/")).toList();
    stored.removeAll(removed);
    return removed.stream().map(k -> "file:/backups/" + k).toList();
  }

  static ApplicationFailure nonRetryable(String message, String type) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }
}
