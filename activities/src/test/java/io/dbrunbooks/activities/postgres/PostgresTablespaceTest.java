package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.PrecheckRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster with an extra tablespace cannot be streamed as one tar to stdout: the precheck says so
 * before pg_basebackup is even started, and a logical backup is still allowed.
 */
class PostgresTablespaceTest {
  @TempDir static Path tmp;
  static LocalCluster cluster;
  static BackupActivities activities;

  @BeforeAll
  static void start() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    Path location = Files.createDirectories(tmp.resolve("ts-archive"));
    UserPrincipalLookupService users = location.getFileSystem().getUserPrincipalLookupService();
    if (Files.getOwner(location).getName().equals("root")) {
      Files.setOwner(location, users.lookupPrincipalByName("postgres"));
    }
    cluster.sql("postgres", "CREATE TABLESPACE archive LOCATION '" + location + "'");
    LocalKeyring keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    TargetConfig target = new TargetConfig("orders", "postgres", cluster.connection("postgres"),
        new StoreConfig("file:" + tmp.resolve("store")), null, null, 30, null);
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PostgresBackupActivities(
        new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("orders", target)),
        t -> new FileBackupStore(tmp.resolve("store")), t -> keys));
    activities = env.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void physicalBackupOfAClusterWithTablespacesIsRefusedAtPrecheck() {
    ActivityFailure e = assertThrows(ActivityFailure.class,
        () -> activities.precheck(new PrecheckRequest("orders", BackupMethod.PHYSICAL)));
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertEquals("UnsupportedClusterLayout", f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("has tablespaces archive"), f.getOriginalMessage());
  }

  @Test
  void logicalBackupIsStillAllowed() {
    assertEquals("primary", activities.precheck(new PrecheckRequest("orders", BackupMethod.LOGICAL)).role());
  }
}
