package io.dbrunbooks.activities.restore;

import io.dbrunbooks.workflows.common.RunbookInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.PlanRequest;
import io.dbrunbooks.workflows.restore.ProvisionRequest;
import io.dbrunbooks.workflows.restore.RecoverRequest;
import io.dbrunbooks.workflows.restore.RecoveredPoint;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreActivities;
import io.dbrunbooks.workflows.restore.RestoreDataRequest;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestoreRequest;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.RandomAccessFile;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time restore against a real cluster: one writer commits a row per transaction while two
 * physical backups are taken, completed WAL segments are archived, and restores to a time, an LSN
 * and a restore point must contain exactly the rows committed up to that point. The backups are
 * taken and sealed by the real backup workflow; the restores run the real restore workflow with the
 * real activities.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PointInTimeRestoreTest {
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static TargetsConfig config;
  static TargetResources resources;
  static RestoreActivitiesImpl restoreActivities;
  static TestWorkflowEnvironment env;
  static WalSegmentPusher pusher;
  static BackupResult first;
  static BackupResult second;
  /** Row id → WAL insert position right after its commit, and id → commit time, read from the source. */
  static final ConcurrentSkipListMap<Long, String> lsnAfter = new ConcurrentSkipListMap<>();
  static TreeMap<Long, Instant> committedAt;
  static long restorePointRow;
  static String password;

  @BeforeAll
  static void backupsAndWalOfAWritingDatabase() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path keyring = RestoreFixture.keyring(tmp);
    cluster = LocalCluster.start(tmp.resolve("pg"));
    password = Files.readString(cluster.passwordFile()).strip();
    cluster.sql("postgres", "ALTER SYSTEM SET track_commit_timestamp = on");
    cluster.stop();
    cluster.start();
    cluster.createDatabase("orders");
    cluster.sql("orders", "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(),"
        + " note text)");

    config = RestoreFixture.targets(tmp, cluster, keyring);
    resources = new TargetResources(config);
    restoreActivities = new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys,
        PgTools.locate(), ReadableClasspath.fetchProgram(tmp.resolve("classpath")));

    env = RestoreFixture.start(config, resources, restoreActivities,
        new PostgresBackupActivities(config, resources::store, resources::keys));

    pusher = new WalSegmentPusher(cluster, new WalArchive(resources.store("orders"), resources.keys("orders"), "orders"));
    pusher.init();
    pusher.pushCompleted();
    try (Writer writer = new Writer()) {
      writer.start();
      writer.awaitRows(40);
      first = backup();
      writer.awaitRows(writer.rows() + 40);
      second = backup();
      writer.awaitRows(writer.rows() + 40);
      restorePointRow = writer.restorePointAfterNextRow("after-second-backup");
      writer.awaitRows(writer.rows() + 40);
    }
    pusher.pushCompleted();
    committedAt = commitTimes();
  }

  @AfterAll
  static void stop() throws IOException {
    if (env != null) {
      env.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRestoreToATimeHasEveryRowCommittedByThenAndNoneAfter() throws Exception {
    Instant secondFinished = Instant.parse(second.artifact().finishedAt());
    Instant firstFinished = Instant.parse(first.artifact().finishedAt());
    // A row committed between the two backups: the first backup is the one to start from.
    long row = committedAt.entrySet().stream().filter(e -> e.getValue().isAfter(firstFinished.plusMillis(200))
        && e.getValue().isBefore(secondFinished)).findFirst().orElseThrow().getKey();
    Instant t = committedAt.get(row);

    RestoreResult r = restore(RecoveryTarget.time(t.toString()));
    recordHistory("restore-time-success.json");
    try {
      assertEquals(first.backupId(), r.plan().backupId(), "the newest backup consistent before " + t);
      assertEquals(rowsCommittedBy(t), restoredIds(r), "exactly the rows committed at or before " + t);
      assertEquals(t.toString(), r.recovered().lastTransactionTime());
      assertTrue(r.checks().amcheck().ok(), r.checks().amcheck().output());
      assertTrue(r.checks().rowCounts().stream().anyMatch(c -> c.database().equals("orders") && c.table().equals("public.ticks")
          && c.rows() == rowsCommittedBy(t).size()), r.checks().rowCounts().toString());
      assertEquals(List.of(List.of(String.valueOf(row))), r.checks().smoke().get(0).rows());
      assertIsolated(r);
      assertTrue(Files.exists(Path.of(java.net.URI.create(r.manifest().location()))), "sealed " + r.manifest().location());
      assertEquals(List.of(), new RestoreHolds(new FileBackupStore(tmp.resolve("store")), "orders").list(),
          "recovered: the restore no longer holds its backup and WAL against retention");
      System.out.printf("PITR to %s: %d rows, RTO %.1f s, %d MiB unpacked, %d WAL segment(s) checked%n", t,
          rowsCommittedBy(t).size(), r.rtoSeconds(), r.plan().artifact().sourceBytes() >> 20, r.plan().walSegments());
    } finally {
      teardown(r);
    }
  }

  @Test
  void aRestoreToAnLsnStopsRightAfterTheCommitBeforeIt() throws Exception {
    long row = lsnAfter.ceilingKey(restorePointRow + 10);
    String lsn = lsnAfter.get(row);

    RestoreResult r = restore(RecoveryTarget.lsn(lsn));
    try {
      assertEquals(second.backupId(), r.plan().backupId());
      assertEquals(idsUpTo(row), restoredIds(r));
      assertTrue(Lsn.parse(r.recovered().lsn()).compareTo(Lsn.parse(lsn)) >= 0, r.recovered().lsn() + " vs " + lsn);

      // A worker that died mid-replay is replaced; the retried step must find the server it
      // started and keep waiting on it, not start over.
      String pid = postmasterPid(r);
      TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
      try {
        activityEnv.registerActivitiesImplementations(restoreActivities);
        RestoreActivities retry = activityStub(activityEnv);
        RecoveredPoint again = retry.recover(new RecoverRequest("orders", r.plan(), r.environment()));
        assertEquals(r.recovered(), again);
        assertEquals(pid, postmasterPid(r), "the same server, not a restarted one");
        assertEquals(List.of(), slotsOn(r), "an isolated copy holds no replication slot");

        // In mode promote the copy may become the target: the WAL archiver's slot is reserved on it
        // right after recovery, so the WAL of its new timeline stays until the archiver follows. Twice: a retry.
        String slot = config.target("orders").walArchive().slotFor("orders");
        retry.recover(new RecoverRequest("orders", r.plan(), r.environment(), RestoreMode.PROMOTE));
        assertEquals(again, retry.recover(new RecoverRequest("orders", r.plan(), r.environment(), RestoreMode.PROMOTE)));
        assertEquals(List.of(slot + " physical reserved"), slotsOn(r));
        // ... and the target's role may stream from it over 127.0.0.1 ("all" in pg_hba.conf never matches replication).
        io.dbrunbooks.activities.config.PostgresConnection c = config.target("orders").connection();
        try (Connection replication = io.dbrunbooks.activities.wal.ReplicationConnections.open(
                new io.dbrunbooks.activities.config.PostgresConnection("127.0.0.1", r.environment().port(), c.database(), c.user(),
                    c.password(), c.sslmode()), c.password() == null ? null : c.password().resolve());
            Statement st = replication.createStatement();
            ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
          assertTrue(rs.next());
          assertEquals(r.recovered().timeline(), rs.getInt("timeline"), "the promoted copy's timeline");
        }
      } finally {
        activityEnv.close();
      }
    } finally {
      teardown(r);
    }
  }

  @Test
  void aWorkerLostMidReplayIsReplacedAndTheNewOneFinishesOnTheSameServer() throws Exception {
    // Each WAL fetch takes four seconds longer, so replay is still running when the first worker goes.
    RestoreActivitiesImpl slow = new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys,
        PgTools.locate(), "sleep 4; " + ReadableClasspath.fetchProgram(tmp.resolve("classpath-slow")));
    long row = lsnAfter.lastKey() - 5;
    RecoveryTarget to = RecoveryTarget.lsn(lsnAfter.get(row));
    TestActivityEnvironment first = TestActivityEnvironment.newInstance();
    first.registerActivitiesImplementations(slow);
    // A short heartbeat timeout: the SDK sends heartbeats (and so learns of the cancel) at most every 0.8 of it.
    RestoreActivities worker1 = activityStub(first, Duration.ofSeconds(5));
    RestorePlan plan = worker1.plan(new PlanRequest("orders", to, null));
    RestoreEnvironment environment = worker1.provision(new ProvisionRequest("orders", "orders-midreplay-1a2b3c", 1L << 30));
    try {
      worker1.restoreBaseBackup(new RestoreDataRequest("orders", plan, environment));
      CompletableFuture<RecoveredPoint> lost = CompletableFuture.supplyAsync(
          () -> worker1.recover(new RecoverRequest("orders", plan, environment)));
      // Every WAL file PostgreSQL asks for (it asks the archive first, even for what the base backup
      // carries) now takes seconds: once the server runs, replay has many seconds to go.
      Path pidFile = Path.of(environment.dataDirectory(), "postmaster.pid");
      while (!(Files.exists(pidFile) && Files.readAllLines(pidFile).size() > 1) && !lost.isDone()) {
        Thread.sleep(100);
      }
      assertFalse(lost.isDone(), "replay ended before the worker could be lost: " + (lost.isDone() ? lost.join() : ""));
      String pid = Files.readAllLines(pidFile).get(0);
      first.requestCancelActivity(); // the worker is gone; the server it started is not
      assertThrows(Exception.class, () -> lost.get(60, TimeUnit.SECONDS));
      first.close();

      TestActivityEnvironment second = TestActivityEnvironment.newInstance();
      try {
        second.registerActivitiesImplementations(slow);
        RecoveredPoint point = activityStub(second).recover(new RecoverRequest("orders", plan, environment));
        assertEquals(pid, Files.readAllLines(Path.of(environment.dataDirectory(), "postmaster.pid")).get(0), "not restarted");
        assertTrue(Lsn.parse(point.lsn()).compareTo(Lsn.parse(to.value())) >= 0, point.lsn());
        RestoreResult asIfFinished = new RestoreResult("orders-midreplay-1a2b3c", "orders", false, plan, environment, point,
            null, 0, null, false, null);
        assertEquals(idsUpTo(row), restoredIds(asIfFinished));
      } finally {
        second.close();
      }
    } finally {
      slow.teardown(new TeardownRequest("orders", environment.restoreId()));
    }
  }

  static RestoreActivities activityStub(TestActivityEnvironment e) {
    return activityStub(e, Duration.ofSeconds(30));
  }

  static RestoreActivities activityStub(TestActivityEnvironment e, Duration heartbeatTimeout) {
    return e.newActivityStub(RestoreActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5)).setHeartbeatTimeout(heartbeatTimeout)
        .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @Test
  void aRestoreToANamedRestorePointHasTheRowsCommittedBeforeIt() throws Exception {
    RestoreResult r = restore(RecoveryTarget.name("after-second-backup"));
    try {
      assertEquals(idsUpTo(restorePointRow), restoredIds(r));
      assertTrue(r.recovered().logLine().contains("after-second-backup"), r.recovered().logLine());
    } finally {
      teardown(r);
    }
  }

  @Test
  void aTimePastTheArchivedWalFailsRecoveryInPostgresqlsWordsAndIsTornDown() throws Exception {
    // After the last commit, before now: valid input, but the archive ends before any commit reaches it.
    Instant past = committedAt.lastEntry().getValue().plusMillis(500);
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> restore(RecoveryTarget.time(past.toString())));
    recordHistory("restore-recovery-failed-torn-down.json");
    String m = ((ApplicationFailure) e.getCause()).getOriginalMessage();
    assertTrue(m.contains("failed in RECOVER") && m.contains("recovery ended before configured recovery target was reached"), m);
    assertEquals(List.of(), restoreDirectories(), "torn down: keepOnFailure was not asked for");
  }

  @Test
  void aDryRunNamesBackupAndWalRangeAndProvisionsNothing() throws Exception {
    RestoreResult r = run(new RestoreRequest("orders", RecoveryTarget.latest(), null, RestoreMode.ISOLATED, List.of(), false,
        true, "tester", null));
    recordHistory("restore-dry-run.json");
    assertTrue(r.dryRun());
    assertEquals(second.backupId(), r.plan().backupId());
    assertEquals(WalSegment.containing(1, Lsn.parse(second.artifact().startLsn()).value(), pusher.segmentSize()).name(),
        r.plan().walFirstSegment());
    assertTrue(r.plan().bytesToMove() > r.plan().artifact().storedBytes(), "base backup plus WAL");
    assertTrue(r.plan().provenance().stream().anyMatch(l -> l.startsWith("manifest signature")), r.plan().provenance().toString());
    assertEquals(List.of(), restoreDirectories());
  }

  @Test
  void aTimeBeforeTheEarliestBackupIsRefusedBeforeProvisioning() throws Exception {
    Instant tooEarly = committedAt.firstEntry().getValue();
    String m = refusal(RecoveryTarget.time(tooEarly.toString()), null);
    assertTrue(m.contains("before the earliest physical backup") && m.contains(first.backupId()), m);
    assertEquals(List.of(), restoreDirectories());
  }

  @Test
  void anUnknownBackupIdIsRefused() throws Exception {
    String m = refusal(RecoveryTarget.latest(), "orders-20200101T000000Z-000000");
    assertTrue(m.contains("no sealed backup 'orders-20200101T000000Z-000000'"), m);
  }

  /**
   * A manifest in the evidence registry that no longer parses (here cut in half, as a partial write
   * or a bad disk would leave it): the plan falls back to the older backup and says which one it
   * passed over and why, in the result, the history and the audit trail; named, it is refused.
   */
  @Test
  void anUnreadableNewestManifestIsPassedOverOutLoudAndRefusedWhenNamed() throws Exception {
    Path manifest = tmp.resolve("evidence/orders/backups/" + second.backupId() + "/manifest.jws");
    byte[] sealed = Files.readAllBytes(manifest);
    Files.write(manifest, java.util.Arrays.copyOf(sealed, sealed.length / 2));
    try {
      RestoreResult r = run(new RestoreRequest("orders", RecoveryTarget.latest(), null, RestoreMode.ISOLATED, List.of(), false,
          true, "tester", null));
      assertEquals(first.backupId(), r.plan().backupId(), "the older backup, which can be read");
      assertEquals(1, r.plan().skipped().size(), r.plan().skipped().toString());
      assertEquals(second.backupId(), r.plan().skipped().get(0).backupId());
      String reason = r.plan().skipped().get(0).reason();
      assertTrue(reason.startsWith("its manifest file:" + manifest + " cannot be read ("), reason);
      assertTrue(auditOf(r.restoreId()).contains(second.backupId() + ": its manifest file:" + manifest + " cannot be read"),
          auditOf(r.restoreId()));

      String m = refusal(RecoveryTarget.latest(), second.backupId());
      assertTrue(m.contains("backup " + second.backupId() + " cannot be restored: its manifest file:" + manifest
          + " cannot be read (") && m.contains("leave backupId out"), m);
      assertEquals(List.of(), restoreDirectories());
    } finally {
      Files.write(manifest, sealed);
    }
  }

  /** Every audit entry a restore wrote, as one string. */
  static String auditOf(String restoreId) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> s = Files.walk(tmp.resolve("evidence/orders"))) {
      for (Path p : s.filter(Files::isRegularFile).filter(p -> p.toString().contains(restoreId)).sorted().toList()) {
        all.append(Files.readString(p)).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void anLsnPastTheEndOfTheArchiveIsRefusedAsSuchNotAsAMissingSegment() throws Exception {
    WalListing listing = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders").list();
    Lsn end = io.dbrunbooks.activities.wal.WalVerifier.lastArchived(listing, 1);
    WalSegment last = WalSegment.containing(1, end.value() - 1, pusher.segmentSize());

    String m = refusal(RecoveryTarget.lsn("FF/0"), null);

    assertTrue(m.contains("the WAL archive of 'orders' at ") && m.contains(" ends at " + end + " on timeline 1 (last archived:"
        + " segment " + last.name() + "); the recovery target LSN FF/0 is beyond it. Choose an LSN before " + end), m);
    assertFalse(m.contains("missing"), m);
  }

  /** Refused by the activity itself, for any caller, without a retry: a parse cannot succeed the next time. */
  @Test
  void anLsnBeyondAnyWalIsRefusedByThePlanAtOnceNamingTheField() {
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      activityEnv.registerActivitiesImplementations(restoreActivities);
      ActivityFailure e = assertThrows(ActivityFailure.class, () -> activityStub(activityEnv)
          .plan(new PlanRequest("orders", RecoveryTarget.lsn("FFFFFFFF/FFFFFFFF"), null)));
      ApplicationFailure f = (ApplicationFailure) e.getCause();
      assertTrue(f.isNonRetryable(), f.toString());
      assertEquals("RestorePlanRefused", f.getType());
      assertTrue(f.getOriginalMessage().startsWith("recoveryTarget.value: WAL location 'FFFFFFFF/FFFFFFFF' is beyond the"
          + " largest one handled, 7FFFFFFF/FFFFFFFF"), f.getOriginalMessage());
    } finally {
      activityEnv.close();
    }
  }

  @Test
  void aGapInTheArchivedWalIsRefusedNamingTheMissingSegment() throws Exception {
    // The second backup's first segment: later WAL is archived (the backup ended with a segment
    // switch), so this is a hole, not the end of the archive (see the test above).
    WalSegment missing = WalSegment.containing(1, Lsn.parse(second.artifact().startLsn()).value(), pusher.segmentSize());
    WalListing listing = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders").list();
    assertTrue(listing.segments().keySet().stream().anyMatch(s -> s.compareTo(missing) > 0), "WAL after " + missing);
    Path object = walObject(missing);
    Path aside = tmp.resolve("aside");
    Files.move(object, aside);
    try {
      String m = refusal(RecoveryTarget.lsn(lsnAfter.lastEntry().getValue()), null);
      recordHistory("restore-plan-refused-wal-gap.json");
      assertTrue(m.contains("WAL segment " + missing.name() + " is missing"), m);
      assertEquals(List.of(), restoreDirectories());
    } finally {
      Files.move(aside, object);
    }
  }

  @Test
  void aCorruptedWalSegmentStopsRecoveryWithTheFetchErrorAndNothingIsPromoted() throws Exception {
    WalSegment damaged = WalSegment.containing(1, Lsn.parse(second.artifact().stopLsn()).value(), pusher.segmentSize()).next();
    Path object = walObject(damaged);
    flipByteInTheMiddle(object);
    try {
      // For an LSN, and for latest: an unreadable segment must not pass for the end of the WAL,
      // where latest would otherwise promote a copy short of the archive. The fetch's exit code
      // (above 125) makes PostgreSQL abort recovery.
      for (RecoveryTarget target : List.of(RecoveryTarget.lsn(lsnAfter.lastEntry().getValue()), RecoveryTarget.latest())) {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> restore(target));
        String m = ((ApplicationFailure) e.getCause()).getOriginalMessage();
        assertTrue(m.contains("failed in RECOVER") && m.contains("could not restore file \"" + damaged.name() + "\"")
            && m.contains("runbooks wal fetch " + damaged.name()), target + ": " + m);
        assertEquals(List.of(), restoreDirectories(), "the unpromoted copy was torn down");
      }
    } finally {
      flipByteInTheMiddle(object);
    }
  }

  static Path walObject(WalSegment segment) throws IOException {
    try (Stream<Path> s = Files.walk(tmp.resolve("store/orders/wal"))) {
      return s.filter(p -> p.getFileName().toString().startsWith(segment.name() + "-")).findFirst().orElseThrow();
    }
  }

  @Test
  void aCorruptedBaseBackupIsRefusedWithTheChecksumsThatDiffer() throws Exception {
    Path artifact = tmp.resolve("store").resolve(second.artifact().key());
    flipByteInTheMiddle(artifact);
    try {
      String m = refusal(RecoveryTarget.latest(), null);
      assertTrue(m.contains("provenance of backup " + second.backupId() + " does not hold")
          && m.contains("sha256 is") && m.contains("but the manifest says " + second.artifact().sha256()), m);
      assertEquals(List.of(), restoreDirectories());
    } finally {
      flipByteInTheMiddle(artifact);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * After a promotion the archive holds a second timeline. Last, because it adds it to the shared
   * archive: a restored copy is readied as a promote restore readies green, written to, and
   * archived by the real WAL archiver, as after a switchover. A restore to {@code latest} then
   * follows timeline 2 and has the rows written on it; a backup of the old primary taken after the
   * fork is never chosen (and refused when named); a missing segment of timeline 2 is refused
   * before anything is provisioned, by name.
   */
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void afterAPromotionARestoreFollowsTheNewTimelineAndNeverStartsFromTheOldPrimaryAfterTheFork() throws Exception {
    RestoreResult promoted = restore(RecoveryTarget.latest());
    List<Long> onGreen;
    Lsn greenEnd;
    TestActivityEnvironment activityEnv = TestActivityEnvironment.newInstance();
    try {
      activityEnv.registerActivitiesImplementations(restoreActivities);
      activityStub(activityEnv).recover(new RecoverRequest("orders", promoted.plan(), promoted.environment(), RestoreMode.PROMOTE));
      try (Connection c = restored(promoted, "orders"); Statement st = c.createStatement()) {
        st.execute("INSERT INTO ticks (note) SELECT 'written on green' FROM generate_series(1, 25)");
        onGreen = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT id FROM ticks WHERE note = 'written on green' ORDER BY id")) {
          while (rs.next()) {
            onGreen.add(rs.getLong(1));
          }
        }
        try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
          rs.next();
          greenEnd = Lsn.parse(rs.getString(1));
        }
      }
    } finally {
      activityEnv.close();
    }
    // The WAL archiver, connected to green as it is after a promotion, archives timeline 2.
    RestoreFixture.archive(config, resources, RestoreFixture.servedBy(config, () -> promoted.environment().port()), 2, greenEnd);
    WalArchive archive = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders");
    // A backup of the old primary, taken after the fork: the newest by LSN, and unusable along timeline 2.
    cluster.sql("orders", "INSERT INTO ticks (note) VALUES ('written on the old primary after the fork')");
    BackupResult afterFork = backup();

    TestActivityEnvironment planEnv = TestActivityEnvironment.newInstance();
    RestoreResult latest = null;
    try {
      planEnv.registerActivitiesImplementations(restoreActivities);
      RestoreActivities planner = activityStub(planEnv);
      RestorePlan plan = planner.plan(new PlanRequest("orders", RecoveryTarget.latest(), null));
      assertTrue(List.of(first.backupId(), second.backupId()).contains(plan.backupId()), "not " + afterFork.backupId() + ": " + plan);
      assertTrue(plan.walLastSegment().startsWith("00000002"), plan.walLastSegment());
      assertTrue(plan.provenance().stream().anyMatch(l -> l.contains("along timelines 1 until ")), plan.provenance().toString());
      ActivityFailure named = assertThrows(ActivityFailure.class,
          () -> planner.plan(new PlanRequest("orders", RecoveryTarget.latest(), afterFork.backupId())));
      String why = ((ApplicationFailure) named.getCause()).getOriginalMessage();
      assertTrue(why.contains("backup " + afterFork.backupId() + " cannot be restored: it was taken on timeline 1")
          && why.contains("after timeline 2 branched off at"), why);

      latest = restore(RecoveryTarget.latest());
      List<Long> ids = restoredIds(latest);
      assertTrue(ids.containsAll(onGreen), "the rows written on timeline 2 are back: " + onGreen);
      assertEquals(2, latest.recovered().timeline() - 1, "recovery followed timeline 2 and promoted onto 3");

      WalListing listing = archive.list();
      String lost = null;
      for (var e : listing.segments().entrySet()) {
        if (e.getKey().timeline() == 2) {
          lost = e.getKey().name();
          resources.store("orders").deletePrefix(e.getValue());
          break;
        }
      }
      if (lost == null) {
        var partial = listing.partials().entrySet().stream().filter(e -> e.getKey().timeline() == 2).findFirst().orElseThrow();
        lost = partial.getKey().name();
        for (WalListing.Delta d : partial.getValue()) {
          resources.store("orders").deletePrefix(d.key());
        }
      }
      String missing = lost;
      ActivityFailure gap = assertThrows(ActivityFailure.class,
          () -> planner.plan(new PlanRequest("orders", RecoveryTarget.latest(), null)));
      String refused = ((ApplicationFailure) gap.getCause()).getOriginalMessage();
      assertTrue(refused.contains("WAL segment " + missing + " is missing") && refused.contains("on timeline 2"), refused);
    } finally {
      planEnv.close();
      teardown(promoted);
      if (latest != null) {
        teardown(latest);
      }
    }
  }

  static BackupResult backup() {
    BackupWorkflow wf = env.getWorkflowClient().newWorkflowStub(BackupWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("backup/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
    return wf.run(RunbookInput.of(new BackupRequest("orders", BackupMethod.PHYSICAL, "tester", null, null)));
  }

  static RestoreResult restore(RecoveryTarget to) {
    return run(new RestoreRequest("orders", to, null, RestoreMode.ISOLATED,
        List.of(new SmokeQuery("newest row", "orders", "SELECT max(id) FROM ticks")), false, false, "tester", "TEST-1"));
  }

  static RestoreResult run(RestoreRequest request) {
    PointInTimeRestoreWorkflow wf = env.getWorkflowClient().newWorkflowStub(PointInTimeRestoreWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("restore/orders").setTaskQueue(TaskQueues.RUNBOOKS).build());
    return wf.run(RunbookInput.of(request));
  }

  static String refusal(RecoveryTarget to, String backupId) {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run(new RestoreRequest("orders", to, backupId,
        RestoreMode.ISOLATED, List.of(), false, false, "tester", null)));
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertTrue(f.getOriginalMessage().contains("failed in PLAN"), f.getOriginalMessage());
    return f.getOriginalMessage();
  }

  static void teardown(RestoreResult r) {
    assertEquals(List.of(r.environment().directory()), restoreActivities.teardown(new TeardownRequest("orders", r.restoreId())));
  }

  /**
   * With {@code -Drecord.histories=true}, writes the last restore run's history for the replay test
   * in workflows/src/test/resources/restore-histories/, replacing the committed copy.
   */
  static void recordHistory(String fileName) throws IOException {
    if (!Boolean.getBoolean("record.histories")) {
      return;
    }
    Path dir = Path.of(System.getProperty("repo.root", "..")).resolve("workflows/src/test/resources/restore-histories");
    Files.createDirectories(dir);
    String json = env.getWorkflowClient().fetchHistory("restore/orders").toJson(true);
    // The dev server records the workflow id in the started event and the replayer reads it from
    // there; the test server leaves it out, and the workflow refuses any id but restore/<target>.
    json = json.replaceFirst("\"header\": \\{\\}", "\"header\": {},\n        \"workflowId\": \"restore/orders\"");
    Files.writeString(dir.resolve(fileName), json);
  }

  static String postmasterPid(RestoreResult r) throws IOException {
    return Files.readAllLines(Path.of(r.environment().dataDirectory(), "postmaster.pid")).get(0);
  }

  static List<String> restoreDirectories() throws IOException {
    Path root = tmp.resolve("restores");
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** The restored copy is on its own port and name, and does not archive into the target's archive. */
  static void assertIsolated(RestoreResult r) throws Exception {
    try (Connection c = restored(r, "postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('archive_mode'), current_setting('cluster_name'),"
            + " current_setting('port')::int, pg_is_in_recovery()")) {
      rs.next();
      assertEquals("off", rs.getString(1));
      assertEquals(r.environment().clusterName(), rs.getString(2));
      assertTrue(rs.getString(2).startsWith("orders-restore-"), rs.getString(2));
      assertEquals(r.environment().port(), rs.getInt(3));
      assertFalse(rs.getBoolean(4), "promoted at the recovery target");
    }
    assertTrue(r.environment().port() != cluster.port());
  }

  static Connection restored(RestoreResult r, String db) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", password);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + r.environment().port() + "/" + db, p);
  }

  /** The restored cluster's replication slots: name, type, and whether WAL is reserved for it. */
  static List<String> slotsOn(RestoreResult r) throws Exception {
    List<String> slots = new ArrayList<>();
    try (Connection c = restored(r, "orders"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT slot_name, slot_type, restart_lsn IS NOT NULL FROM pg_replication_slots ORDER BY 1")) {
      while (rs.next()) {
        slots.add(rs.getString(1) + " " + rs.getString(2) + (rs.getBoolean(3) ? " reserved" : " without WAL"));
      }
    }
    return slots;
  }

  static List<Long> restoredIds(RestoreResult r) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (Connection c = restored(r, "orders"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM ticks ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  static List<Long> rowsCommittedBy(Instant t) {
    return committedAt.entrySet().stream().filter(e -> !e.getValue().isAfter(t)).map(Map.Entry::getKey).toList();
  }

  static List<Long> idsUpTo(long row) {
    return committedAt.keySet().stream().filter(id -> id <= row).toList();
  }

  /** Commit times as the source recorded them (track_commit_timestamp), in microseconds like the WAL. */
  static TreeMap<Long, Instant> commitTimes() throws Exception {
    TreeMap<Long, Instant> m = new TreeMap<>();
    for (String line : cluster.psql("orders", "SELECT id, to_char(pg_xact_commit_timestamp(xmin) AT TIME ZONE 'UTC',"
        + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM ticks ORDER BY id").strip().split("\n")) {
      String[] f = line.split("\\|");
      m.put(Long.parseLong(f[0]), Instant.parse(f[1]));
    }
    return m;
  }

  static void flipByteInTheMiddle(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01);
    }
  }

  /**
   * Commits one row per transaction, as fast as a busy application might, and notes the WAL insert
   * position right after each commit. On request it creates a named restore point between two rows.
   */
  static final class Writer extends Thread implements AutoCloseable {
    private volatile boolean stop;
    private volatile String restorePoint;
    private volatile long restorePointRow = -1;
    private volatile Exception failure;

    Writer() {
      super("pitr-writer");
      setDaemon(true);
    }

    @Override
    public void run() {
      try (Connection c = cluster.connect("orders"); Statement s = c.createStatement()) {
        while (!stop) {
          long id;
          try (ResultSet rs = s.executeQuery("INSERT INTO ticks (note) VALUES ('tick') RETURNING id")) {
            rs.next();
            id = rs.getLong(1);
          }
          try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
            rs.next();
            lsnAfter.put(id, rs.getString(1));
          }
          if (restorePoint != null && restorePointRow < 0) {
            s.execute("SELECT pg_create_restore_point('" + restorePoint + "')");
            restorePointRow = id;
          }
          Thread.sleep(15);
        }
      } catch (Exception e) {
        failure = e;
      }
    }

    long rows() {
      return lsnAfter.isEmpty() ? 0 : lsnAfter.lastKey();
    }

    void awaitRows(long n) throws Exception {
      while (rows() < n) {
        if (failure != null) {
          throw failure;
        }
        Thread.sleep(20);
      }
    }

    long restorePointAfterNextRow(String name) throws Exception {
      restorePoint = name;
      while (restorePointRow < 0) {
        if (failure != null) {
          throw failure;
        }
        Thread.sleep(10);
      }
      return restorePointRow;
    }

    @Override
    public void close() throws Exception {
      stop = true;
      join(10_000);
      if (failure != null) {
        throw failure;
      }
    }
  }
}
