package io.dbrunbooks.activities.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.KeySourceConfig;
import io.dbrunbooks.activities.config.NotifierConfig;
import io.dbrunbooks.activities.config.RegistryConfig;
import io.dbrunbooks.activities.config.RetentionPolicy;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.restore.RestoreHolds;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.retention.RetentionActivities;
import io.dbrunbooks.workflows.retention.RetentionOutcome;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention over a real catalog (sealed, signed manifests in a file registry), a file store and a
 * WAL archive: what the policy keeps stays byte for byte, what it expires goes, evidence stays.
 */
class RetentionActivitiesImplTest {
  static final int SEG = 1 << 20; // small segments keep the archive cheap; the rules do not depend on size
  static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

  @TempDir Path dir;
  TargetResources resources;
  EvidenceActivitiesImpl evidence;
  BackupStore store;
  WalArchive wal;
  TestActivityEnvironment env;

  @BeforeEach
  void setUp() throws Exception {
    LocalKeyring.create(dir.resolve("keyring.json"));
    resources = new TargetResources(config(new RetentionPolicy(7, 2)));
    evidence = new EvidenceActivitiesImpl(resources.config(), resources::evidence, resources::keys);
    store = resources.store("orders");
    wal = new WalArchive(store, resources.keys("orders"), "orders");
    wal.ensureInfo("7312345678901234567", SEG, 150018);
    env = TestActivityEnvironment.newInstance();
  }

  @AfterEach
  void tearDown() {
    env.close();
    resources.close();
  }

  TargetsConfig config(RetentionPolicy policy) {
    TargetConfig orders = new TargetConfig("orders", "postgres", null, new StoreConfig("file:" + dir.resolve("store")),
        new RegistryConfig("file:" + dir.resolve("evidence")), new KeySourceConfig(dir.resolve("keyring.json").toString()),
        30, new NotifierConfig(null), 0, policy);
    return new TargetsConfig(dir.resolve("targets.yaml"), Map.of("orders", orders));
  }

  RetentionActivities activities(TargetsConfig config) {
    env.registerActivitiesImplementations(new RetentionActivitiesImpl(config, resources::store, resources::evidence,
        resources::keys, Clock.fixed(NOW, ZoneOffset.UTC)));
    return env.newActivityStub(RetentionActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @Test
  void keepsTheWindowItsAnchorAndTheMinimumAndExpiresTheRestWithTheirWal() throws Exception {
    // Base backups 1, 3, 5, 10 and 20 days old, starting in segments 1, 3, 5, 7, 9; one dump 30 days old.
    backup("b20", "physical", 20, 1);
    backup("b10", "physical", 10, 3);
    backup("b05", "physical", 5, 5);
    backup("b03", "physical", 3, 7);
    backup("b01", "physical", 1, 9);
    backup("d30", "logical", 30, 0);
    for (int s = 1; s <= 10; s++) {
      wal.putSegment(seg(s), content(s));
    }
    wal.putPartial(seg(11), 0, content(11), 4096);

    RetentionActivities retention = activities(resources.config());
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", true, "alice", "on-demand"));
    assertEquals(List.of("b01", "b03", "b05", "b10", "d30"), plan.keep().stream().map(RetentionPlan.Backup::backupId).toList());
    assertTrue(plan.keep().get(3).reason().contains("newest base backup before the window"), plan.keep().get(3).reason());
    assertTrue(plan.keep().get(4).reason().contains("newest 2 logical dumps"), plan.keep().get(4).reason());
    assertEquals(List.of("b20"), plan.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    assertEquals(seg(3).name(), plan.wal().keepFrom(), "WAL from the start of b10, the oldest kept base backup");
    assertEquals(2, plan.wal().segments());

    RetentionOutcome outcome = retention.apply(plan);
    assertEquals(List.of("b20"), outcome.expiredBackups());
    assertEquals(2, outcome.walSegmentsRemoved());
    assertFalse(store.exists("orders/b20/base.tar.zst.aes"));
    for (String kept : List.of("b01", "b03", "b05", "b10")) {
      assertTrue(store.exists("orders/" + kept + "/base.tar.zst.aes"), kept);
    }
    assertTrue(store.exists("orders/d30/dump.zst.aes"));
    assertEquals(seg(3), wal.list().segments().firstKey());
    assertEquals(8, wal.list().segments().size());
    assertEquals(4096, wal.list().partialEnds().get(seg(11)));
    assertTrue(Files.exists(dir.resolve("evidence/orders/backups/b20/manifest.jws")), "sealed evidence is never deleted");

    // A second run finds nothing left to do, and says so.
    RetentionPlan again = retention.plan(new RetentionRequest("orders", false, "alice", "on-demand"));
    assertTrue(again.nothingToDo(), again.toString());
  }

  @Test
  void neverExpiresTheNewestBackupHoweverOld() throws Exception {
    backup("old", "physical", 400, 2);
    backup("older", "physical", 500, 1);
    wal.putSegment(seg(1), content(1));
    wal.putSegment(seg(2), content(2));
    RetentionActivities retention = activities(config(new RetentionPolicy(0, 1)));
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", true, "alice", "on-demand"));
    assertEquals(List.of("old"), plan.keep().stream().map(RetentionPlan.Backup::backupId).toList());
    assertEquals(List.of("older"), plan.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    retention.apply(plan);
    assertTrue(store.exists("orders/old/base.tar.zst.aes"));
    assertEquals(List.of(seg(2)), List.copyOf(wal.list().segments().keySet()));
  }

  @Test
  void aStalePlanDoesNotDeleteWhatHasBecomeTheNewestBackup() throws Exception {
    backup("b30", "physical", 30, 1);
    backup("b01", "physical", 1, 3);
    RetentionActivities retention = activities(config(new RetentionPolicy(0, 1)));
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", false, "alice", "on-demand"));
    assertEquals(List.of("b30"), plan.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    store.deletePrefix("orders/b01/"); // someone removes the newest backup by hand before the plan is applied

    RetentionOutcome outcome = retention.apply(plan);
    assertEquals(List.of(), outcome.expiredBackups());
    assertTrue(store.exists("orders/b30/base.tar.zst.aes"), "now the only backup left, so it stays");
  }

  @Test
  void withoutAPolicyNothingIsPlannedAndThePersonIsToldHowToAddOne() {
    RetentionActivities retention = activities(config(null));
    ActivityFailure f = assertThrows(ActivityFailure.class,
        () -> retention.plan(new RetentionRequest("orders", true, "alice", "on-demand")));
    ApplicationFailure cause = (ApplicationFailure) f.getCause();
    assertEquals(RetentionActivitiesImpl.NO_POLICY, cause.getType());
    assertTrue(cause.isNonRetryable());
    assertTrue(cause.getOriginalMessage().contains("retention: {recoveryWindowDays"), cause.getOriginalMessage());
  }

  @Test
  void withoutABaseBackupNoWalGoes() throws Exception {
    backup("d1", "logical", 40, 0);
    backup("d2", "logical", 50, 0);
    wal.putSegment(seg(1), content(1));
    RetentionActivities retention = activities(config(new RetentionPolicy(7, 1)));
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", true, "alice", "on-demand"));
    assertNull(plan.wal());
    assertEquals(List.of("d2"), plan.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    assertTrue(plan.notes().contains("no base backup is kept, so no WAL is expired"), plan.notes().toString());
  }

  @Test
  void aBackupARestoreIsReadingIsKeptWithItsWalUntilTheRestoreLetsGo() throws Exception {
    // b20 is the newest before the window, kept anyway; b30 would expire but is being restored.
    backup("b30", "physical", 30, 1);
    backup("b20", "physical", 20, 3);
    backup("b01", "physical", 1, 5);
    for (int s = 1; s <= 6; s++) {
      wal.putSegment(seg(s), content(s));
    }
    RestoreHolds holds = new RestoreHolds(store, "orders");
    holds.hold("orders-20261121T120000Z-abcdef", "b30", new Lsn(seg(1).startLsn() + 40).toString());
    RetentionActivities retention = activities(config(new RetentionPolicy(7, 1)));
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", false, "alice", "on-demand"));
    assertEquals(List.of(), plan.expire(), "b30 is being restored");
    assertTrue(plan.keep().stream().anyMatch(b -> b.backupId().equals("b30") && b.reason().contains("is reading it")), plan.toString());
    assertNull(plan.wal(), "the restore replays WAL from b30's start");

    holds.release("orders-20261121T120000Z-abcdef");
    RetentionPlan after = retention.plan(new RetentionRequest("orders", false, "alice", "on-demand"));
    assertEquals(List.of("b30"), after.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    assertEquals(seg(3).name(), after.wal().keepFrom());
  }

  @Test
  void aHoldLeftBehindForDaysIsIgnoredAndSaidSo() throws Exception {
    backup("b30", "physical", 30, 1);
    backup("b20", "physical", 20, 3);
    backup("b01", "physical", 1, 5);
    Files.createDirectories(dir.resolve("store/orders/holds"));
    Files.writeString(dir.resolve("store/orders/holds/orders-20261101T000000Z-dead00.json"),
        "{\"restoreId\": \"orders-20261101T000000Z-dead00\", \"backupId\": \"b30\", \"startLsn\": \"0/100028\","
            + " \"createdAt\": \"" + NOW.minus(Duration.ofDays(3)) + "\"}");
    RetentionPlan plan = activities(config(new RetentionPolicy(7, 1)))
        .plan(new RetentionRequest("orders", true, "alice", "on-demand"));
    assertEquals(List.of("b30"), plan.expire().stream().map(RetentionPlan.Backup::backupId).toList());
    assertTrue(plan.notes().stream().anyMatch(n -> n.contains("orders-20261101T000000Z-dead00") && n.contains("did not clean up")),
        plan.notes().toString());
  }

  @Test
  void onlyBackupsOfTheArchivesOwnClusterSetTheWalCutoff() throws Exception {
    // The database was re-created: its old cluster's backup (higher LSNs) is still inside the window.
    backup("old-cluster", "physical", 3, 9, "7399999999999999999");
    backup("new-cluster", "physical", 1, 2);
    for (int s = 1; s <= 10; s++) {
      wal.putSegment(seg(s), content(s));
    }
    RetentionActivities retention = activities(resources.config());
    RetentionPlan plan = retention.plan(new RetentionRequest("orders", false, "alice", "on-demand"));
    assertEquals(seg(2).name(), plan.wal().keepFrom(), "the new cluster's backup needs its WAL from segment 2");
    retention.apply(plan);
    assertEquals(seg(2), wal.list().segments().firstKey());
  }

  /** A backup as the backup runbook leaves it: an artifact in the store and a sealed manifest. */
  /** A manifest field no parse accepts (manifests are listed unsigned) must not fail the run, let alone be retried. */
  @Test
  void aKeptBackupWithAGarbledStartLsnKeepsAllWalAndSaysWhy() throws Exception {
    backup("b1", "physical", 1, 3);
    backup("b2", "physical", 2, 1, "7312345678901234567", "FFFFFFFF/FFFFFFFF");
    wal.putSegment(seg(1), content(1));
    RetentionPlan plan = activities(config(new RetentionPolicy(7, 1))).plan(new RetentionRequest("orders", true, "alice",
        "on-demand"));
    assertNull(plan.wal());
    assertTrue(plan.notes().contains("left all WAL: a kept base backup records no usable start LSN ([b2: FFFFFFFF/FFFFFFFF])"),
        plan.notes().toString());
  }

  private void backup(String id, String method, int daysOld, int startSegment) throws Exception {
    backup(id, method, daysOld, startSegment, "7312345678901234567");
  }

  private void backup(String id, String method, int daysOld, int startSegment, String systemId) throws Exception {
    backup(id, method, daysOld, startSegment, systemId, null);
  }

  private void backup(String id, String method, int daysOld, int startSegment, String systemId, String startLsn)
      throws Exception {
    String key = "orders/" + id + (method.equals("physical") ? "/base.tar.zst.aes" : "/dump.zst.aes");
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write(content(id.hashCode()), 0, 1000);
      up.stream().close();
      up.commit();
    }
    Instant finished = NOW.minus(Duration.ofDays(daysOld));
    Map<String, Object> artifact = new LinkedHashMap<>();
    artifact.put("key", key);
    artifact.put("finishedAt", finished.toString());
    if (method.equals("physical")) {
      artifact.put("startLsn", startLsn != null ? startLsn : new Lsn(seg(startSegment).startLsn() + 40).toString());
      artifact.put("stopLsn", new Lsn(seg(startSegment).startLsn() + 400).toString());
      artifact.put("timeline", 1);
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("backupId", id);
    manifest.put("method", method);
    manifest.put("sealedAt", finished.plusSeconds(5).toString());
    manifest.put("artifact", artifact);
    manifest.put("precheck", Map.of("systemIdentifier", systemId));
    manifest.put("artifacts", List.of(Map.of("key", key, "sha256", "00", "storedBytes", 1000)));
    evidence.sealManifest(new SealRequest("orders", "orders/backups/" + id + "/manifest", manifest));
  }

  private static WalSegment seg(long n) {
    return new WalSegment(1, n, SEG);
  }

  private static byte[] content(long seed) {
    byte[] b = new byte[SEG];
    new Random(seed).nextBytes(b);
    return b;
  }
}
