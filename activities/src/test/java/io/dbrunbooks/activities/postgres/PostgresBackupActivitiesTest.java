package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.DeleteArtifactsRequest;
import io.dbrunbooks.workflows.backup.PrecheckReport;
import io.dbrunbooks.workflows.backup.PrecheckRequest;
import io.dbrunbooks.workflows.backup.TakeBackupRequest;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.dbrunbooks.workflows.backup.VerifyRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The backup activities against a real throwaway cluster, through Temporal's activity test environment. */
class PostgresBackupActivitiesTest {
  static final String DB = "orders";
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static Path storeRoot;
  static LocalKeyring keys;
  static int keyrings;

  TestActivityEnvironment env;
  BackupActivities activities;
  FileBackupStore store;
  TargetsConfig config;

  @BeforeAll
  static void startCluster() throws Exception {
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase(DB);
    cluster.sql(DB,
        "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)",
        "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2))",
        "CREATE TABLE order_lines (order_id int REFERENCES orders, sku text, qty int)",
        "INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 1000) g",
        "INSERT INTO orders (customer_id, total) SELECT 1 + g % 1000, g * 1.5 FROM generate_series(1, 20000) g",
        "INSERT INTO order_lines SELECT 1 + g % 20000, 'sku-' || (g % 97), g % 7 FROM generate_series(1, 50000) g");
    cluster.sql(DB, "CREATE ROLE app LOGIN PASSWORD 'app-secret'", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
    storeRoot = tmp.resolve("store");
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void setUp() {
    store = new FileBackupStore(storeRoot);
    Map<String, TargetConfig> targets = new HashMap<>();
    targets.put("orders", target("orders", cluster.connection(DB), 30));
    PostgresConnection c = cluster.connection(DB);
    targets.put("wrong-password", target("wrong-password", new PostgresConnection(c.host(), c.port(), DB, c.user(),
        new SecretRef(null, write("bad-pw", "not-the-password")), "disable"), 30));
    targets.put("no-secret", target("no-secret", new PostgresConnection(c.host(), c.port(), DB, c.user(),
        new SecretRef("DB_RUNBOOKS_TEST_UNSET_SECRET", null), "disable"), 30));
    targets.put("unreachable", target("unreachable", new PostgresConnection("127.0.0.1", 1, DB, c.user(),
        c.password(), "disable"), 30));
    targets.put("no-database", target("no-database", cluster.connection("missing_db"), 30));
    targets.put("app-user", target("app-user", new PostgresConnection(c.host(), c.port(), DB, "app",
        new SecretRef(null, write("app-pw", "app-secret")), "disable"), 30));
    targets.put("tiny-store", target("tiny-store", c, 30));
    targets.put("other-keys", target("other-keys", c, 30));
    config = new TargetsConfig(tmp.resolve("targets.yaml"), targets);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PostgresBackupActivities(config,
        t -> t.equals("tiny-store") ? new AlmostFullStore(store) : store,
        t -> t.equals("other-keys") ? freshKeyring() : keys));
    activities = env.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void precheckReportsTheServerAsItIs() {
    PrecheckReport r = activities.precheck(new PrecheckRequest("orders", BackupMethod.PHYSICAL));
    assertEquals("primary", r.role());
    assertTrue(r.serverVersionNum() >= 130000, r.serverVersion());
    assertTrue(r.systemIdentifier().matches("\\d+"), r.systemIdentifier());
    assertEquals(0, r.replicationLagSeconds());
    assertTrue(r.databaseBytes() > 1_000_000);
    assertTrue(r.destinationFreeBytes() > 0);
    PrecheckReport logical = activities.precheck(new PrecheckRequest("orders", BackupMethod.LOGICAL));
    assertTrue(logical.databaseBytes() < r.databaseBytes(), "one database is smaller than the cluster");
  }

  @Test
  void physicalBackupVerifiesWithItsWal() {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "phys-1", BackupMethod.PHYSICAL));
    assertEquals("file:" + storeRoot.resolve("orders/phys-1/base.tar.zst.aes"), a.location());
    assertEquals("tar", a.format());
    assertTrue(a.storedBytes() < a.sourceBytes(), "compressed");
    assertNotNull(a.startLsn());
    assertNotNull(a.stopLsn());
    assertEquals(1, a.timeline());
    assertTrue(a.toolVersion().startsWith("pg_basebackup (PostgreSQL)"), a.toolVersion());

    VerificationReport v = activities.verifyBackup(new VerifyRequest("orders", a));
    assertEquals("pg_verifybackup", v.tool());
    assertEquals(a.sha256(), v.sha256());
    assertEquals(a.sourceSha256(), v.sourceSha256());
    assertEquals(a.startLsn(), v.startLsn());
    assertEquals(a.stopLsn(), v.stopLsn());
    assertTrue(v.startWal().matches("00000001[0-9A-F]{16}"), v.startWal());
    assertNotNull(v.backupStartTime());
    assertTrue(v.archiveEntries() > 100, "entries: " + v.archiveEntries());
    assertTrue(v.checks().stream().anyMatch(c -> c.contains("backup successfully verified")), v.checks().toString());
  }

  @Test
  void logicalBackupVerifiesWithPgRestore() {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "logical-1", BackupMethod.LOGICAL));
    assertTrue(a.location().endsWith("orders/logical-1/dump.pgdump.zst.aes"));
    assertEquals("pg_dump-custom", a.format());
    VerificationReport v = activities.verifyBackup(new VerifyRequest("orders", a));
    assertEquals("pg_restore --list", v.tool());
    assertTrue(v.archiveEntries() >= 9, "3 tables, their data, sequences and constraints: " + v.archiveEntries());
    assertEquals(a.sourceBytes(), v.sourceBytes());
  }

  @Test
  void oneFlippedByteFailsVerificationNamingTheArtifact() throws IOException {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "flip-1", BackupMethod.LOGICAL));
    Path file = storeRoot.resolve("orders/flip-1/dump.pgdump.zst.aes");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01);
    }
    ApplicationFailure f = failure("BackupVerificationFailed", () -> activities.verifyBackup(new VerifyRequest("orders", a)));
    assertTrue(f.getOriginalMessage().contains(a.location()), f.getOriginalMessage());
    assertTrue(f.getOriginalMessage().contains("failed authentication"), f.getOriginalMessage());
    assertTrue(f.isNonRetryable());
  }

  @Test
  void aTruncatedArtifactFailsVerification() throws IOException {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "trunc-1", BackupMethod.LOGICAL));
    Path file = storeRoot.resolve("orders/trunc-1/dump.pgdump.zst.aes");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(f.length() - 100);
    }
    ApplicationFailure f = failure("BackupVerificationFailed", () -> activities.verifyBackup(new VerifyRequest("orders", a)));
    assertTrue(f.getOriginalMessage().contains(a.location()), f.getOriginalMessage());
  }

  @Test
  void aRetriedTakeLeavesExactlyOneArtifact() throws IOException {
    Path stale = storeRoot.resolve("orders/retry-1/dump.pgdump.zst.aes.partial");
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "left by a worker that was killed");
    BackupArtifact first = activities.takeBackup(new TakeBackupRequest("orders", "retry-1", BackupMethod.LOGICAL));
    BackupArtifact second = activities.takeBackup(new TakeBackupRequest("orders", "retry-1", BackupMethod.PHYSICAL));
    assertEquals(List.of("orders/retry-1/base.tar.zst.aes"), listAll("orders/retry-1"), "no partial, no second artifact");
    assertFalse(first.wrappedDataKey().equals(second.wrappedDataKey()), "a fresh data key per attempt");
    activities.verifyBackup(new VerifyRequest("orders", second));
  }

  @Test
  void aFailingToolLeavesNothingBehindAndSaysWhy() throws IOException {
    ApplicationFailure f = failure("DatabaseNotFound",
        () -> activities.takeBackup(new TakeBackupRequest("no-database", "tool-fail-1", BackupMethod.LOGICAL)));
    assertTrue(f.getOriginalMessage().contains("pg_dump exited with 1") && f.getOriginalMessage().contains("missing_db"),
        f.getOriginalMessage());
    assertTrue(f.isNonRetryable());
    assertEquals(List.of(), listAll("no-database"));

    ApplicationFailure auth = failure("AuthenticationFailed",
        () -> activities.takeBackup(new TakeBackupRequest("wrong-password", "tool-fail-2", BackupMethod.PHYSICAL)));
    assertTrue(auth.getOriginalMessage().contains("pg_basebackup exited"), auth.getOriginalMessage());
    assertFalse(auth.getOriginalMessage().contains("not-the-password"));
    assertEquals(List.of(), listAll("wrong-password"));
  }

  @Test
  void deleteRemovesTheBackupAndIsIdempotent() throws IOException {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "del-1", BackupMethod.LOGICAL));
    assertEquals(List.of(a.location()), activities.deleteArtifacts(new DeleteArtifactsRequest("orders", "del-1")));
    assertEquals(List.of(), activities.deleteArtifacts(new DeleteArtifactsRequest("orders", "del-1")));
    assertEquals(List.of(), listAll("orders/del-1"));
  }

  @Test
  void wrongPasswordIsAnAuthenticationFailureNamingUserAndServer() {
    ApplicationFailure f = failure("AuthenticationFailed",
        () -> activities.precheck(new PrecheckRequest("wrong-password", BackupMethod.PHYSICAL)));
    assertTrue(f.isNonRetryable());
    String m = f.getOriginalMessage();
    assertTrue(m.contains("'postgres'") && m.contains("127.0.0.1:" + cluster.port()), m);
    assertFalse(m.contains("not-the-password"), m);
  }

  @Test
  void unreachableServerIsRetryableAndNamesIt() {
    ApplicationFailure f = failure("DatabaseUnreachable",
        () -> activities.precheck(new PrecheckRequest("unreachable", BackupMethod.PHYSICAL)));
    assertFalse(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("127.0.0.1:1"), f.getOriginalMessage());
  }

  @Test
  void aPhysicalBackupNeedsAReplicationRoleALogicalOneDoesNot() {
    ApplicationFailure f = failure("InsufficientPrivilege",
        () -> activities.precheck(new PrecheckRequest("app-user", BackupMethod.PHYSICAL)));
    assertTrue(f.getOriginalMessage().contains("user 'app'") && f.getOriginalMessage().contains("REPLICATION"), f.getOriginalMessage());
    assertEquals("primary", activities.precheck(new PrecheckRequest("app-user", BackupMethod.LOGICAL)).role());
  }

  @Test
  void aStoreWithoutRoomIsRefusedBeforeTheBackup() {
    ApplicationFailure f = failure("InsufficientSpace", () -> activities.precheck(new PrecheckRequest("tiny-store", BackupMethod.PHYSICAL)));
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("1000 bytes free") && f.getOriginalMessage().contains(store.uri()), f.getOriginalMessage());
  }

  @Test
  void cancellingAVerificationKillsPgVerifybackupAndRemovesTheScratchDirectory() throws Exception {
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "cancel-verify-1", BackupMethod.PHYSICAL));
    // pg_verifybackup of this small cluster takes well under a second: a wrapper that waits in a
    // child process first gives the test time to cancel it mid-run, and proves descendants die too.
    Path bin = Files.createDirectories(tmp.resolve("slow-verify-bin"));
    Path wrapper = bin.resolve("pg_verifybackup");
    Files.writeString(wrapper, "#!/bin/sh\nsleep 60\nexec '" + PgTools.locate().program("pg_verifybackup") + "' \"$@\"\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path scratch = tmp.resolve("scratch-cancel");
    TestActivityEnvironment cancelEnv = TestActivityEnvironment.newInstance();
    try {
      BackupActivities slow = activitiesWith(cancelEnv, new PgTools(bin), new ScratchSpace(scratch));
      java.util.concurrent.CompletableFuture<VerificationReport> verify =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> slow.verifyBackup(new VerifyRequest("orders", a)));
      ProcessHandle tool = null;
      for (int i = 0; i < 600 && tool == null && !verify.isDone(); i++) {
        tool = ourTools().stream().filter(p -> commandLine(p).contains(wrapper.toString())).findFirst().orElse(null);
        Thread.sleep(50);
      }
      assertNotNull(tool, "pg_verifybackup never started: " + (verify.isDone() ? verify.join() : "still running"));
      cancelEnv.requestCancelActivity();
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> verify.get(60, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof io.temporal.failure.CanceledFailure, "cancelled, not failed: " + e.getCause());
      tool.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(List.of(), ourTools().stream().map(PostgresBackupActivitiesTest::commandLine).toList(),
          "no pg_verifybackup, tar or sleep child left");
      assertEquals(List.of(), listDir(scratch), "the scratch directory was removed");
    } finally {
      cancelEnv.close();
    }
  }

  /** This JVM's live descendants that verification could have started. */
  static List<ProcessHandle> ourTools() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(p -> {
      String c = commandLine(p);
      return c.contains("pg_verifybackup") || c.startsWith("tar ") || c.matches("(.*/)?sleep 60");
    }).toList();
  }

  static String commandLine(ProcessHandle p) {
    return p.info().commandLine().orElse("");
  }

  static List<String> listDir(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** The activities with other tools or another scratch directory, in their own activity environment. */
  BackupActivities activitiesWith(TestActivityEnvironment e, PgTools tools, ScratchSpace scratch) {
    e.registerActivitiesImplementations(new PostgresBackupActivities(config, t -> store, t -> keys, tools, scratch));
    return e.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5)).setHeartbeatTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @Test
  void aScratchDirectoryWithoutRoomForTheExtractedBackupIsRefusedBeforeAPhysicalBackup() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("small-scratch"));
    TestActivityEnvironment e = TestActivityEnvironment.newInstance();
    try {
      BackupActivities small = activitiesWith(e, PgTools.locate(), new ScratchSpace(dir) {
        @Override
        public long freeBytes() {
          return 1000;
        }
      });
      ApplicationFailure f = failure("InsufficientSpace", () -> small.precheck(new PrecheckRequest("orders", BackupMethod.PHYSICAL)));
      assertTrue(f.isNonRetryable());
      String m = f.getOriginalMessage();
      assertTrue(m.contains("scratch directory " + dir) && m.contains("1000 bytes free") && m.contains("RUNBOOKS_SCRATCH_DIR"), m);
      assertTrue(m.matches("(?s).*needs about \\d+ bytes.*"), m);
      // A logical backup is verified by streaming into pg_restore --list: no scratch space needed.
      assertEquals("primary", small.precheck(new PrecheckRequest("orders", BackupMethod.LOGICAL)).role());
    } finally {
      e.close();
    }
  }

  /**
   * Mounts a tmpfs at {@code dir} with the given options. CI runs as root and must run every test;
   * a developer without root may skip the tests that need one.
   */
  static void mountTmpfs(Path dir, String options) throws Exception {
    io.dbrunbooks.activities.FileSystems.mount(dir, "tmpfs", options);
  }

  static void unmount(Path dir) throws Exception {
    io.dbrunbooks.activities.FileSystems.unmount(dir);
  }

  @Test
  void aFullScratchVolumeDuringExtractionIsNotRetried() throws Exception {
    Path dir = tmp.resolve("tmpfs-scratch");
    mountTmpfs(dir, "size=2m");
    TestActivityEnvironment e = TestActivityEnvironment.newInstance();
    try {
      BackupArtifact a = activities.takeBackup(new TakeBackupRequest("orders", "enospc-1", BackupMethod.PHYSICAL));
      BackupActivities tight = activitiesWith(e, PgTools.locate(), new ScratchSpace(dir));
      ApplicationFailure f = failure("InsufficientSpace", () -> tight.verifyBackup(new VerifyRequest("orders", a)));
      assertTrue(f.isNonRetryable(), "the same backup needs the same room on a retry");
      String m = f.getOriginalMessage();
      assertTrue(m.contains(a.location()) && m.contains("scratch directory " + dir) && m.contains("RUNBOOKS_SCRATCH_DIR")
          && m.contains("No space left on device"), m);
      assertEquals(List.of(), listDir(dir), "the partial extraction was removed");
    } finally {
      e.close();
      unmount(dir);
    }
  }

  @Test
  void aReadOnlyStoreIsRefusedAtPrecheckBeforeAnythingRuns() throws Exception {
    // Root ignores permission bits, but not a read-only mount: the honest way to get EROFS here.
    Path dir = tmp.resolve("readonly-store");
    mountTmpfs(dir, "ro,size=1m");
    TestActivityEnvironment e = TestActivityEnvironment.newInstance();
    try {
      e.registerActivitiesImplementations(new PostgresBackupActivities(config, t -> new FileBackupStore(dir), t -> keys));
      BackupActivities readOnly = e.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      ApplicationFailure f = failure("StoreUnwritable", () -> readOnly.precheck(new PrecheckRequest("orders", BackupMethod.LOGICAL)));
      assertTrue(f.isNonRetryable());
      assertTrue(f.getOriginalMessage().contains("file:" + dir) && f.getOriginalMessage().contains("read-only"), f.getOriginalMessage());
    } finally {
      e.close();
      unmount(dir);
    }
  }

  @Test
  void thePrecheckWriteProbeLeavesNothingInTheStore() throws IOException {
    List<String> before = store.list("orders/");
    activities.precheck(new PrecheckRequest("orders", BackupMethod.LOGICAL));
    assertEquals(before, store.list("orders/"));
    try (Stream<Path> files = Files.walk(storeRoot)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("probe")), "no probe or partial left");
    }
  }

  static LocalKeyring freshKeyring() {
    try {
      return LocalKeyring.create(tmp.resolve("other-keyring-" + (++keyrings) + ".json"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aKeySourceThatCannotUnwrapTheDataKeyFailsVerificationClearly() {
    // "other-keys" gets a new keyring on every lookup, which is what a lost or replaced keyring
    // looks like at verification time: the data key's wrapping key is not in it.
    BackupArtifact a = activities.takeBackup(new TakeBackupRequest("other-keys", "key-1", BackupMethod.LOGICAL));
    ApplicationFailure f = failure("KeyUnavailable", () -> activities.verifyBackup(new VerifyRequest("other-keys", a)));
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains(a.wrappingKeyId()), f.getOriginalMessage());
  }

  @Test
  void badInputIsRefusedClearly() {
    ApplicationFailure unknown = failure("UnknownTarget", () -> activities.precheck(new PrecheckRequest("nope", BackupMethod.PHYSICAL)));
    assertTrue(unknown.getOriginalMessage().contains("'nope'") && unknown.getOriginalMessage().contains("orders"));
    ApplicationFailure secret = failure("SecretUnavailable",
        () -> activities.takeBackup(new TakeBackupRequest("no-secret", "s-1", BackupMethod.LOGICAL)));
    assertTrue(secret.getOriginalMessage().contains("DB_RUNBOOKS_TEST_UNSET_SECRET"), secret.getOriginalMessage());
    failure("InvalidRequest", () -> activities.takeBackup(new TakeBackupRequest("orders", "../x", BackupMethod.LOGICAL)));
  }

  /** The real store, reporting almost no free space. */
  record AlmostFullStore(FileBackupStore delegate) implements io.dbrunbooks.activities.store.BackupStore {
    public String uri() { return delegate.uri(); }
    public String locationOf(String key) { return delegate.locationOf(key); }
    public io.dbrunbooks.activities.store.ArtifactUpload create(String key) throws IOException { return delegate.create(key); }
    public java.io.InputStream open(String key) throws IOException { return delegate.open(key); }
    public boolean exists(String key) { return delegate.exists(key); }
    public long size(String key) throws IOException { return delegate.size(key); }
    public List<String> list(String prefix) throws IOException { return delegate.list(prefix); }
    public List<String> deletePrefix(String prefix) throws IOException { return delegate.deletePrefix(prefix); }
    public void probeWrite(String key) throws IOException { delegate.probeWrite(key); }
    public long freeBytes() { return 1000; }
  }

  static ApplicationFailure failure(String type, Executable call) {
    ActivityFailure e = assertThrows(ActivityFailure.class, call);
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertEquals(type, f.getType(), f.getOriginalMessage());
    return f;
  }

  static List<String> listAll(String under) throws IOException {
    Path dir = storeRoot.resolve(under);
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> storeRoot.relativize(p).toString()).sorted().toList();
    }
  }

  static TargetConfig target(String name, PostgresConnection c, double maxLag) {
    return new TargetConfig(name, "postgres", c, new StoreConfig("file:" + storeRoot), null, null, maxLag, null);
  }

  static String write(String name, String content) {
    try {
      Path p = tmp.resolve(name);
      Files.writeString(p, content + "\n");
      return p.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
