package io.dbrunbooks.activities.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.catalog.BackupCatalog;
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
import io.dbrunbooks.activities.notify.NotifyActivitiesImpl;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.dbrunbooks.workflows.retention.RetentionResult;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.dbrunbooks.workflows.retention.RetentionWorkflowImpl;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A year and two weeks of scheduled backups, lived through with time skipping: every midnight a
 * backup of class {@code daily} (kept 90 days), every Sunday midnight a {@code weekly} one (365
 * days), for the last 98 days every 6 hours an {@code hourly} one (30 days), a manual unclassed one
 * every 30 days, and one manifest sealed before classes existed. The real retention runbook runs every four weeks, as
 * {@code retention/orders} on the test service, with the real activities over a file store, a file
 * evidence registry and a WAL archive; the planner's clock is the test service's. At the end
 * exactly the backups each class's period covers are left in the store, every manifest of an
 * expired backup is still in the registry, and the WAL of a 203-day-old weekly backup is still
 * archived while the segments around it are gone.
 */
class RetentionClassesOverAYearTest {
  static final int SEG = 1 << 20;
  static final Instant START = Instant.parse("2025-10-26T00:00:00Z"); // a Sunday
  static final int DAYS = 378; // 54 weeks: ends on Sunday 2026-11-08
  static final Instant END = START.plus(Duration.ofDays(DAYS));
  static final String SYSTEM = "7312345678901234567";
  static final int WEEKLY_WITH_WAL_DAY = 175; // Sunday 2026-04-19, 203 days old at the end
  // The 6-hourly plan starts late in the series: three times its period is enough to see it expire,
  // and a year of it would quadruple the catalog every retention run reads.
  static final int HOURLY_FROM_DAY = 280;

  @TempDir Path dir;
  TargetResources resources;
  EvidenceActivitiesImpl evidence;
  BackupStore store;
  WalArchive wal;
  TestWorkflowEnvironment env;
  final List<String> sealed = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    LocalKeyring.create(dir.resolve("keyring.json"));
    RetentionPolicy policy = new RetentionPolicy(7, 2, Map.of(
        "hourly", new RetentionPolicy.ClassPeriod(30),
        "daily", new RetentionPolicy.ClassPeriod(90),
        "weekly", new RetentionPolicy.ClassPeriod(365)));
    TargetConfig orders = new TargetConfig("orders", "postgres", null, new StoreConfig("file:" + dir.resolve("store")),
        new RegistryConfig("file:" + dir.resolve("evidence")), new KeySourceConfig(dir.resolve("keyring.json").toString()),
        30, new NotifierConfig(null), 0, policy);
    TargetsConfig config = new TargetsConfig(dir.resolve("targets.yaml"), Map.of("orders", orders));
    resources = new TargetResources(config);
    evidence = new EvidenceActivitiesImpl(config, resources::evidence, resources::keys);
    store = resources.store("orders");
    wal = new WalArchive(store, resources.keys("orders"), "orders");
    wal.ensureInfo(SYSTEM, SEG, 150018);

    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setInitialTime(START).build());
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(RetentionWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new RetentionActivitiesImpl(config, resources::store, resources::evidence, resources::keys, new ServiceClock(env)),
        evidence, new NotifyActivitiesImpl(config));
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
    resources.close();
  }

  @Test
  void aYearOfScheduledBackupsLeavesEachClassForItsPeriodTheirEvidenceAndTheWalAKeptWeeklyNeeds() throws Exception {
    // The weekly backup of day 175 keeps its own two segments; the daily's before and the empty slot after go.
    long step = WEEKLY_WITH_WAL_DAY * 4L;
    for (long s = segment(step, Slot.DAILY) + 1; s <= segment(step, Slot.MANUAL); s++) {
      wal.putSegment(seg(s), content(s));
    }
    List<RetentionResult> runs = new ArrayList<>();
    for (long i = 1; i <= DAYS * 4L; i++) {
      env.sleep(Duration.ofHours(6));
      // The service's clock also runs on in real time: each backup finishes at the service's "now",
      // a few real seconds after its nominal time and always later than the backup before it.
      Instant nominal = START.plus(Duration.ofHours(6 * i));
      Instant now = Instant.ofEpochMilli(env.currentTimeMillis());
      assertTrue(!now.isBefore(nominal) && now.isBefore(nominal.plus(Duration.ofHours(1))), now + " vs " + nominal);
      long day = i / 4;
      if (day >= HOURLY_FROM_DAY) {
        backup(Slot.HOURLY, i, nominal, now);
      }
      if (i % 4 == 0) {
        backup(Slot.DAILY, i, nominal, now);
        if (day % 7 == 0) {
          backup(Slot.WEEKLY, i, nominal, now);
        }
        if (day == 10) {
          legacyBackup(i, nominal, now);
        }
      }
      if (i % 4 == 2 && day % 30 == 16) {
        backup(Slot.MANUAL, i, nominal, now);
      }
      if (i % 4 == 0 && day % 28 == 0 || i == DAYS * 4L) {
        runs.add(retention());
      }
    }
    assertTrue(!Instant.ofEpochMilli(env.currentTimeMillis()).isBefore(END), "a year and two weeks have passed");

    Set<String> expected = new TreeSet<>();
    expected.addAll(ids("hourly", "2026-10-09T06:00:00Z", Duration.ofHours(6))); // finished after END - 30 d
    expected.addAll(ids("daily", "2026-08-11T00:00:00Z", Duration.ofDays(1))); // after END - 90 d
    expected.addAll(ids("weekly", "2025-11-09T00:00:00Z", Duration.ofDays(7))); // after END - 365 d
    expected.add("manual-20261106T12"); // unclassed: only the 7-day window keeps it
    assertEquals(120 + 90 + 53 + 1, expected.size());

    List<BackupCatalog.Entry> catalog = BackupCatalog.read(resources.evidence("orders"), store, "orders");
    Set<String> present = catalog.stream().filter(BackupCatalog.Entry::present).map(BackupCatalog.Entry::backupId)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, present);
    for (String id : sealed) {
      assertTrue(Files.exists(dir.resolve("evidence/orders/backups/" + id + "/manifest.jws")), "evidence of " + id + " stays");
      assertEquals(expected.contains(id), Files.exists(dir.resolve("store/orders/" + id + "/base.tar.zst.aes")), id);
    }
    assertEquals(sealed.size(), catalog.size(), "the catalog still lists every sealed backup");
    BackupCatalog.Entry legacy = catalog.stream().filter(e -> e.backupId().equals("legacy-20251105T00")).findFirst().get();
    assertNull(legacy.backupClass(), "a manifest sealed before classes reads as unclassed");
    assertFalse(legacy.present(), "and follows the window: expired");
    assertEquals("weekly", catalog.stream().filter(e -> e.backupId().equals("weekly-20251102T00")).findFirst().get()
        .backupClass());
    assertFalse(present.contains("weekly-20251102T00"), "371 days old: past the weekly period");

    // Every run that deleted something sealed a manifest naming the class periods it applied.
    assertEquals(14, runs.size());
    assertTrue(runs.stream().allMatch(r -> r.manifestLocation() != null), "each run expired something");
    RetentionResult last = runs.get(runs.size() - 1);
    assertEquals(Map.of("hourly", 30, "daily", 90, "weekly", 365), last.plan().classKeepDays());
    assertTrue(last.plan().keep().stream().anyMatch(b -> b.backupId().equals("weekly-20260419T00")
        && b.reason().equals("class weekly, 203 d old < 365 d")), last.plan().keep().toString());

    Set<WalSegment> archived = wal.list().segments().keySet();
    assertEquals(Set.of(seg(segment(step, Slot.WEEKLY)), seg(segment(step, Slot.WEEKLY) + 1)), archived,
        "the weekly's start and stop segments stay; the expired daily's and the unused one after are gone");
  }

  /**
   * Runs {@code retention/orders} and waits for it. Through a plain client: the environment's own
   * client lets time skip while it waits, and a run has no timer to skip to, only the time the
   * year's clock must not jump by.
   */
  private RetentionResult retention() {
    WorkflowClient plain = WorkflowClient.newInstance(env.getWorkflowServiceStubs(),
        WorkflowClientOptions.newBuilder().setNamespace(env.getNamespace()).build());
    RetentionWorkflow stub = plain.newWorkflowStub(RetentionWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(RetentionWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build());
    return stub.run(RunbookInput.of(new RetentionRequest("orders", false, "schedule:retention", "every 4 weeks")));
  }

  /** Each 6-hour step owns 8 segments: start and stop of each backup taken in it, in slot order. */
  enum Slot { HOURLY, DAILY, WEEKLY, MANUAL }

  static long segment(long step, Slot slot) {
    return 8 * step + 2L * slot.ordinal() + 1;
  }

  /** A backup as the backup runbook leaves it: an artifact in the store and a sealed manifest with its class. */
  private void backup(Slot slot, long step, Instant nominal, Instant finished) throws Exception {
    String prefix = slot.name().toLowerCase();
    seal(prefix + "-" + stamp(nominal), slot == Slot.MANUAL ? null : prefix, step, slot, finished, true);
  }

  /** A manifest as sealed before backups had a class: no {@code backupClass} key at all. */
  private void legacyBackup(long step, Instant nominal, Instant finished) throws Exception {
    seal("legacy-" + stamp(nominal), null, step, Slot.MANUAL, finished, false);
  }

  private void seal(String id, String backupClass, long step, Slot slot, Instant finished, boolean withClassKey)
      throws Exception {
    String key = "orders/" + id + "/base.tar.zst.aes";
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write(new byte[100]);
      up.stream().close();
      up.commit();
    }
    Map<String, Object> artifact = new LinkedHashMap<>();
    artifact.put("key", key);
    artifact.put("startedAt", finished.minus(Duration.ofMinutes(10)).toString());
    artifact.put("finishedAt", finished.toString());
    artifact.put("startLsn", new Lsn(seg(segment(step, slot)).startLsn() + 40).toString());
    artifact.put("stopLsn", new Lsn(seg(segment(step, slot) + 1).startLsn() + 400).toString());
    artifact.put("timeline", 1);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("backupId", id);
    manifest.put("method", "physical");
    if (withClassKey) {
      manifest.put("backupClass", backupClass);
    }
    manifest.put("sealedAt", finished.plusSeconds(5).toString());
    manifest.put("artifact", artifact);
    manifest.put("precheck", Map.of("systemIdentifier", SYSTEM));
    manifest.put("artifacts", List.of(Map.of("key", key, "sha256", "00", "storedBytes", 100)));
    evidence.sealManifest(new SealRequest("orders", "orders/backups/" + id + "/manifest", manifest));
    sealed.add(id);
  }

  private static String stamp(Instant t) {
    return t.toString().substring(0, 13).replace("-", "");
  }

  /** Ids of the runs of one class from {@code first} to the end of the series, every {@code every}. */
  private static Set<String> ids(String prefix, String first, Duration every) {
    Set<String> ids = new TreeSet<>();
    for (Instant t = Instant.parse(first); !t.isAfter(END); t = t.plus(every)) {
      ids.add(prefix + "-" + stamp(t));
    }
    return ids;
  }

  private static WalSegment seg(long n) {
    return new WalSegment(1, n, SEG);
  }

  private static byte[] content(long seed) {
    byte[] b = new byte[SEG];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The test service's time, which time skipping moves: the planner sees the year pass. */
  private static final class ServiceClock extends Clock {
    private final TestWorkflowEnvironment env;

    ServiceClock(TestWorkflowEnvironment env) {
      this.env = env;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(env.currentTimeMillis());
    }
  }
}
