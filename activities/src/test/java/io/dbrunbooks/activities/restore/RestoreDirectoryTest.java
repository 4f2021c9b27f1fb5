package io.dbrunbooks.activities.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.RestoreConfig;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.workflows.restore.ProvisionRequest;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.failure.ApplicationFailure;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provisioning and teardown on a real file system: a restore only ever removes what it created. */
class RestoreDirectoryTest {
  @TempDir Path tmp;
  Path root;
  RestoreActivitiesImpl activities;

  @BeforeEach
  void setUp() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    root = tmp.resolve("restores");
    TargetConfig orders = new TargetConfig("orders", "postgres", null, new StoreConfig("file:" + tmp.resolve("store")), null,
        null, 30, null, 0, null, new RestoreConfig(root, 55440, 55442));
    TargetConfig bare = new TargetConfig("bare", "postgres", null, new StoreConfig("file:" + tmp.resolve("store")), null,
        null, 30, null);
    TargetsConfig config = new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("orders", orders, "bare", bare));
    FileBackupStore store = new FileBackupStore(tmp.resolve("store"));
    activities = new RestoreActivitiesImpl(config, t -> store, t -> null, t -> null, PgTools.locate(), null);
  }

  @Test
  void provisioningIsIdempotentAndClaimsADistinctPortAndName() {
    RestoreEnvironment a = activities.provision(new ProvisionRequest("orders", "orders-20261121T104107Z-3fa2c1", 1000));
    assertEquals(a, activities.provision(new ProvisionRequest("orders", "orders-20261121T104107Z-3fa2c1", 1000)), "a retry");
    RestoreEnvironment b = activities.provision(new ProvisionRequest("orders", "orders-20261121T104108Z-77aa00", 1000));

    assertEquals("orders-restore-3fa2c1", a.clusterName());
    assertEquals(root.resolve("orders-20261121T104107Z-3fa2c1").toString(), a.directory());
    assertTrue(a.port() >= 55440 && a.port() <= 55442 && b.port() >= 55440 && b.port() <= 55442 && a.port() != b.port(),
        a.port() + " " + b.port());
  }

  @Test
  void teardownRemovesOnlyADirectoryWhoseMarkerNamesTheRestore() throws Exception {
    RestoreEnvironment a = activities.provision(new ProvisionRequest("orders", "orders-20261121T104107Z-3fa2c1", 1000));
    Path stranger = Files.createDirectories(root.resolve("orders-20261121T000000Z-000000"));
    Files.writeString(stranger.resolve("precious.txt"), "not ours");

    assertEquals(List.of(), activities.teardown(new TeardownRequest("orders", "orders-20261121T000000Z-000000")));
    assertTrue(Files.exists(stranger.resolve("precious.txt")));
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> activities.provision(new ProvisionRequest("orders", "orders-20261121T000000Z-000000", 1000)));
    assertTrue(f.getOriginalMessage().contains("was not created by restore"), f.getOriginalMessage());

    assertEquals(List.of(a.directory()), activities.teardown(new TeardownRequest("orders", a.restoreId())));
    assertEquals(List.of(), activities.teardown(new TeardownRequest("orders", a.restoreId())), "idempotent");
    assertTrue(Files.exists(stranger.resolve("precious.txt")));
  }

  @Test
  void aTargetWithoutARestoreBlockOrWithoutRoomIsRefused() {
    ApplicationFailure none = assertThrows(ApplicationFailure.class,
        () -> activities.provision(new ProvisionRequest("bare", "bare-20261121T104107Z-3fa2c1", 1000)));
    assertEquals("RestoreNotConfigured", none.getType());
    assertTrue(none.getOriginalMessage().contains("no restore: block"), none.getOriginalMessage());
    ApplicationFailure full = assertThrows(ApplicationFailure.class,
        () -> activities.provision(new ProvisionRequest("orders", "orders-20261121T104107Z-3fa2c1", Long.MAX_VALUE / 4)));
    assertEquals("InsufficientSpace", full.getType());
    assertTrue(full.getOriginalMessage().contains(root.toString()), full.getOriginalMessage());
  }
}
