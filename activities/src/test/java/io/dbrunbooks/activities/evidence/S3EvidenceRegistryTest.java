package io.dbrunbooks.activities.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.aws.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Write-once evidence in an Object Lock bucket (moto_server). */
class S3EvidenceRegistryTest {
  @TempDir static Path tmp;
  static MotoServer moto;

  String bucket;
  S3EvidenceRegistry registry;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start(tmp.resolve("moto"));
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void lockedBucket() {
    bucket = moto.bucket("evidence", true);
    registry = new S3EvidenceRegistry(moto.s3(), "s3://" + bucket + "/prod", 30);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesOnceAcceptsAnIdenticalRetryAndRefusesDifferentContent() throws Exception {
    assertTrue(registry.putOnce("orders/backups/b1/manifest.jws", bytes("signed")));
    assertFalse(registry.putOnce("orders/backups/b1/manifest.jws", bytes("signed")), "a retry with the same bytes");
    EvidenceConflictException e = assertThrows(EvidenceConflictException.class,
        () -> registry.putOnce("orders/backups/b1/manifest.jws", bytes("forged")));
    assertTrue(e.getMessage().contains("s3://" + bucket + "/prod/orders/backups/b1/manifest.jws"), e.getMessage());
    assertArrayEquals(bytes("signed"), registry.get("orders/backups/b1/manifest.jws").orElseThrow());
    assertEquals(Optional.empty(), registry.get("orders/backups/b2/manifest.jws"));
    assertEquals(List.of("orders/backups/b1/manifest.jws"), registry.list("orders/"));
    assertEquals("s3://" + bucket + "/prod/orders/x", registry.locationOf("orders/x"));
  }

  @Test
  void entriesCarryComplianceRetentionInWholeSeconds() throws Exception {
    Instant now = Instant.parse("2026-11-21T10:41:07.123456789Z");
    S3EvidenceRegistry fixed = new S3EvidenceRegistry(moto.s3(), "s3://" + bucket + "/prod", 30, Clock.fixed(now, ZoneOffset.UTC));
    fixed.putOnce("orders/audit/1.json", bytes("{}"));
    HeadObjectResponse head = moto.s3().headObject(r -> r.bucket(bucket).key("prod/orders/audit/1.json"));
    assertEquals(ObjectLockMode.COMPLIANCE, head.objectLockMode());
    assertEquals(Instant.parse("2026-12-21T10:41:07Z"), head.objectLockRetainUntilDate());
  }

  @Test
  void theServerRefusesToDeleteASealedVersion() throws Exception {
    registry.putOnce("orders/backups/b1/manifest.jws", bytes("signed"));
    String key = "prod/orders/backups/b1/manifest.jws";
    String version = moto.s3().headObject(r -> r.bucket(bucket).key(key)).versionId();
    S3Exception e = assertThrows(S3Exception.class, () -> moto.s3().deleteObject(r -> r.bucket(bucket).key(key).versionId(version)));
    assertEquals(403, e.statusCode(), e.getMessage());
    assertArrayEquals(bytes("signed"), registry.get("orders/backups/b1/manifest.jws").orElseThrow());
  }

  @Test
  void aNewerVersionCannotStandInForTheOriginal() throws Exception {
    registry.putOnce("orders/backups/b1/manifest.jws", bytes("signed"));
    // Someone with s3:PutObject adds a version without If-None-Match: Object Lock allows that.
    moto.s3().putObject(r -> r.bucket(bucket).key("prod/orders/backups/b1/manifest.jws"), RequestBody.fromString("forged"));
    assertArrayEquals(bytes("signed"), registry.get("orders/backups/b1/manifest.jws").orElseThrow());
    assertFalse(registry.putOnce("orders/backups/b1/manifest.jws", bytes("signed")));
  }

  @Test
  void aBucketWithoutObjectLockIsRefused() {
    String plain = moto.bucket("no-lock", false);
    S3EvidenceRegistry unlocked = new S3EvidenceRegistry(moto.s3(), "s3://" + plain + "/prod", 30);
    EvidenceRegistryException e = assertThrows(EvidenceRegistryException.class, () -> unlocked.putOnce("orders/x", bytes("x")));
    assertTrue(e.getMessage().contains("bucket " + plain + " does not have Object Lock enabled"), e.getMessage());
    assertEquals(List.of(), moto.s3().listObjectsV2(r -> r.bucket(plain)).contents(), "nothing was written");
  }

  @Test
  void pathsMustStayInsideTheRegistry() {
    for (String bad : List.of("../x", "/abs", "a//b", "a/.hidden", "")) {
      assertThrows(IllegalArgumentException.class, () -> registry.putOnce(bad, bytes("x")), bad);
    }
  }
}
