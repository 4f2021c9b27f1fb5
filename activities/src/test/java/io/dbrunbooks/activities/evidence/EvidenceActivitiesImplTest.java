package io.dbrunbooks.activities.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class EvidenceActivitiesImplTest {

  static final String BACKUP = "orders/backups/orders-20261121T104107Z-3fa2c1";

  @TempDir Path dir;
  LocalKeyring keys;
  EvidenceActivitiesImpl activities;

  @BeforeEach
  void setUp() throws Exception {
    keys = LocalKeyring.create(dir.resolve("keyring.json"));
    activities = EvidenceActivitiesImpl.fromConfig(TestTargets.orders(dir, null));
  }

  static Map<String, Object> manifest(long size) {
    return Map.of("backupId", "orders-20261121T104107Z-3fa2c1", "sizeBytes", size,
        "artifacts", List.of(Map.of("key", "orders/x/base.tar.zst.aes", "sha256", "ab", "storedBytes", size)));
  }

  @Test
  void sealingTwiceYieldsIdenticalBytesAndTheSameResult() throws Exception {
    SealedManifest first = activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(42)));
    Path file = dir.resolve("evidence/" + BACKUP + "/manifest.jws");
    byte[] bytes = Files.readAllBytes(file);

    SealedManifest retry = activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(42)));
    assertEquals(first, retry);
    assertArrayEquals(bytes, Files.readAllBytes(file));
    assertEquals("file:" + file, first.location());
    assertEquals(Digests.sha256Hex(bytes), first.sha256());
    assertEquals(keys.signingKeyId(), first.signingKeyId());
    assertEquals("EdDSA", first.algorithm());
    // The signing key id is part of the signed payload, not only of the JWS header.
    Map<?, ?> signed = CanonicalJson.mapper().readValue(Jws.verify(new String(bytes), keys::verificationKey).payload(), Map.class);
    assertEquals(Map.of("signingKeyId", keys.signingKeyId(), "algorithm", "EdDSA"), signed.get("sealedWith"));
    assertEquals(42, signed.get("sizeBytes"));
  }

  @Test
  void retryAfterSigningKeyRotationReturnsTheOriginalSeal() throws Exception {
    SealedManifest first = activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(42)));
    keys.rotateSigningKey();
    EvidenceActivitiesImpl restartedWorker = EvidenceActivitiesImpl.fromConfig(TestTargets.orders(dir, null));

    assertEquals(first, restartedWorker.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(42))));
  }

  @Test
  void aDifferentManifestAtTheSamePathIsANonRetryableConflict() {
    activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(42)));
    assertNonRetryable("EvidenceConflict", "write-once",
        () -> activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(43))));
  }

  @Test
  void auditAppendIsIdempotentAndAGapIsNonRetryable() {
    AuditEvent e = new AuditEvent("2026-11-21T10:41:07Z", "backup.precheck", "target/orders", "alice", "succeeded", Map.of());
    AuditRecord r = activities.appendAudit(new AuditAppend("orders", BACKUP, 1, e));
    assertEquals(r, activities.appendAudit(new AuditAppend("orders", BACKUP, 1, e)));

    assertNonRetryable("AuditChainBroken", "audit entry 2 missing", () -> activities.appendAudit(new AuditAppend("orders", BACKUP, 3, e)));
    assertNonRetryable("EvidenceConflict", "already exists",
        () -> activities.appendAudit(new AuditAppend("orders", BACKUP, 1, new AuditEvent(e.timestamp(), "x", e.resource(), e.user(), e.status(), Map.of()))));
  }

  @Test
  void badRequestsAreNonRetryableAndNamed() throws Exception {
    assertNonRetryable("UnknownTarget", "unknown target 'billing'", () -> activities.sealManifest(new SealRequest("billing", "billing/m", manifest(1))));
    assertNonRetryable("InvalidEvidenceRequest", "outside the namespace 'orders/' of target orders", () -> activities.sealManifest(new SealRequest("orders", "billing/m", manifest(1))));
    assertNonRetryable("InvalidEvidenceRequest", "invalid evidence path", () -> activities.sealManifest(new SealRequest("orders", "orders/../../etc/m", manifest(1))));

    Files.delete(dir.resolve("keyring.json"));
    EvidenceActivitiesImpl noKeys = EvidenceActivitiesImpl.fromConfig(TestTargets.orders(dir, null));
    assertNonRetryable("KeySourceError", dir.resolve("keyring.json") + " does not exist",
        () -> noKeys.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(1))));
  }

  @Test
  void sealsThroughTemporalsDataConverter() {
    // The manifest crosses Temporal's JSON converter (numbers come back as Integer/Long): still one canonical form.
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(activities);
      EvidenceActivities stub = env.newActivityStub(EvidenceActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(10)).setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      SealedManifest viaTemporal = stub.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(5_000_000_000L)));
      assertEquals(viaTemporal, activities.sealManifest(new SealRequest("orders", BACKUP + "/manifest", manifest(5_000_000_000L))));

      ActivityFailure f = assertThrows(ActivityFailure.class, () -> stub.sealManifest(new SealRequest("nope", "nope/m", Map.of())));
      assertEquals("UnknownTarget", ((ApplicationFailure) f.getCause()).getType());
    } finally {
      env.close();
    }
  }

  static void assertNonRetryable(String type, String messagePart, Executable call) {
    ApplicationFailure f = assertThrows(ApplicationFailure.class, call);
    assertEquals(type, f.getType(), f.getOriginalMessage());
    assertTrue(f.isNonRetryable(), f.getOriginalMessage());
    assertTrue(f.getOriginalMessage().contains(messagePart), f.getOriginalMessage());
  }
}
