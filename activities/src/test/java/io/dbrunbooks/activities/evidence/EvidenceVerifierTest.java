package io.dbrunbooks.activities.evidence;

import io.dbrunbooks.activities.store.FileBackupStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.keys.PublicKeySet;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import io.dbrunbooks.workflows.common.SealRequest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup sealed the way BackupWorkflow seals it, then verified with public keys only. */
class EvidenceVerifierTest {

  static final String ID = "orders-20261121T104107Z-3fa2c1";
  static final String ARTIFACT = "orders/" + ID + "/base.tar.zst.aes";
  static final String WAL = "orders/" + ID + "/pg_wal.tar.zst.aes";

  @TempDir Path dir;
  FileBackupStore store;
  FileEvidenceRegistry registry;
  PublicKeySet publicKeys;
  String artifactSha;
  LocalKeyring keys;

  @BeforeEach
  void sealAGoodBackup() throws Exception {
    keys = LocalKeyring.create(dir.resolve("keyring.json"));
    publicKeys = PublicKeySet.of(keys.publicKeys());
    store = new FileBackupStore(dir.resolve("store"));
    registry = new FileEvidenceRegistry(dir.resolve("evidence"));
    EvidenceActivitiesImpl evidence = EvidenceActivitiesImpl.fromConfig(TestTargets.orders(dir, null));

    artifactSha = write(ARTIFACT, 200_000, 1);
    String walSha = write(WAL, 10_000, 2);
    AuditRecord head = null;
    for (String action : List.of("backup.precheck", "backup.taken", "backup.verified")) {
      head = evidence.appendAudit(new AuditAppend("orders", "orders/backups/" + ID, head == null ? 1 : head.sequence() + 1,
          new AuditEvent("2026-11-21T10:41:07Z", action, "target/orders/backup/" + ID, "alice", "succeeded", Map.of())));
    }
    evidence.sealManifest(new SealRequest("orders", "orders/backups/" + ID + "/manifest", Map.of(
        "backupId", ID,
        "target", "orders",
        "auditHead", Map.of("sequence", head.sequence(), "hash", head.hash()),
        "artifacts", List.of(
            Map.of("key", ARTIFACT, "sha256", artifactSha, "storedBytes", 200_000),
            Map.of("key", WAL, "sha256", walSha, "storedBytes", 10_000)))));
  }

  EvidenceVerifier.Report verify() {
    return new EvidenceVerifier(registry, store, publicKeys).verify("orders", ID);
  }

  @Test
  void aGoodBackupPassesEveryCheck() {
    EvidenceVerifier.Report r = verify();
    assertTrue(r.ok(), r.toString());
    assertEquals(List.of("manifest signature", "manifest location", "signing key", "audit chain", "audit head",
        "artifact " + ARTIFACT, "artifact " + WAL),
        r.checks().stream().map(EvidenceVerifier.Check::name).toList());
  }

  @Test
  void aTamperedManifestFailsTheSignatureCheck() throws Exception {
    Path jws = writable(dir.resolve("evidence/orders/backups/" + ID + "/manifest.jws"));
    String[] p = Files.readString(jws).split("\\.");
    String body = new String(Base64.getUrlDecoder().decode(p[1])).replace("\"backupId\":\"" + ID, "\"backupId\":\"orders-forged");
    assertTrue(body.contains("orders-forged"));
    Files.writeString(jws, p[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes()) + "." + p[2]);

    EvidenceVerifier.Report r = verify();
    assertFalse(r.ok());
    // The forged backupId no longer names where the manifest lies either: both are reported.
    assertEquals(List.of("manifest signature", "manifest location"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(),
        r.toString());
    assertTrue(r.failures().get(0).message().contains("signature does not verify with key " + publicKeys.encoded().keySet().iterator().next()));
  }

  @Test
  void aManifestSignedByAnUnknownKeyFails() throws Exception {
    PublicKeySet otherKeys = LocalKeyring.create(dir.resolve("other.json")).publicKeySet();
    EvidenceVerifier.Report r = new EvidenceVerifier(registry, store, otherKeys).verify("orders", ID);
    assertEquals("manifest signature", r.failures().get(0).name());
    assertTrue(r.failures().get(0).message().contains("no public key with id"), r.toString());
  }

  @Test
  void aFlippedArtifactByteIsNamedWithBothChecksums() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("store").resolve(ARTIFACT).toFile(), "rw")) {
      f.seek(12_345);
      int b = f.read();
      f.seek(12_345);
      f.write(b ^ 0x01);
    }
    String actual;
    try (var in = store.open(ARTIFACT)) {
      actual = Digests.sha256Hex(in);
    }

    EvidenceVerifier.Report r = verify();
    assertEquals(1, r.failures().size(), r.toString());
    assertEquals("artifact " + ARTIFACT + ": sha256 is " + actual + " but the manifest says " + artifactSha, r.failures().get(0).message());
  }

  @Test
  void aTruncatedOrMissingArtifactIsNamed() throws Exception {
    Files.write(dir.resolve("store").resolve(ARTIFACT), new byte[10]);
    Files.delete(dir.resolve("store").resolve(WAL));

    List<String> messages = verify().failures().stream().map(EvidenceVerifier.Check::message).toList();
    assertEquals(List.of("artifact " + ARTIFACT + ": size is 10 bytes but the manifest says 200000",
        "artifact " + WAL + ": not found at " + store.locationOf(WAL)), messages);
  }

  @Test
  void aBrokenChainIsNamed() throws Exception {
    Path entry = writable(dir.resolve("evidence/orders/backups/" + ID + "/audit/00000001.json"));
    Files.writeString(entry, Files.readString(entry).replace("alice", "mallory"));

    EvidenceVerifier.Report r = verify();
    assertEquals(List.of("audit chain"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(), r.toString());
    assertTrue(r.failures().get(0).message().contains("entry 1 was changed after entry 2 was written"), r.toString());
  }

  @Test
  void aRewrittenLastEntryFailsTheAuditHeadCheck() throws Exception {
    Path entry = writable(dir.resolve("evidence/orders/backups/" + ID + "/audit/00000003.json"));
    Files.writeString(entry, Files.readString(entry).replace("succeeded", "failed"));

    EvidenceVerifier.Report r = verify();
    assertEquals(List.of("audit head"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(), r.toString());
    assertTrue(r.failures().get(0).message().startsWith("audit entry 3 hashes to " + Digests.sha256Hex(Files.readAllBytes(entry))), r.toString());
  }

  static final String OTHER_ID = "orders-20261122T020000Z-9bb001";

  /** Everything of backup ID, copied to where backup OTHER_ID (or another target) keeps its evidence. */
  private void copyEvidence(String toTarget, String toId) throws Exception {
    Path from = dir.resolve("evidence/orders/backups/" + ID);
    Path to = dir.resolve("evidence/" + toTarget + "/backups/" + toId);
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
  }

  @Test
  void aValidlySignedManifestCopiedToAnotherBackupFailsTheLocationCheck() throws Exception {
    copyEvidence("orders", OTHER_ID);
    EvidenceVerifier.Report r = new EvidenceVerifier(registry, store, publicKeys).verify("orders", OTHER_ID);
    assertEquals(List.of("manifest location"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(), r.toString());
    String m = r.failures().get(0).message();
    assertTrue(m.contains("is for backup '" + ID + "' of target 'orders', not backup '" + OTHER_ID + "'")
        && m.contains(registry.locationOf(EvidenceVerifier.manifestPath("orders", OTHER_ID))), m);
    assertTrue(r.checks().get(0).ok(), "the signature itself is fine: " + r);
  }

  @Test
  void aManifestCopiedToAnotherTargetFailsTheLocationCheck() throws Exception {
    copyEvidence("shipping", ID);
    EvidenceVerifier.Report r = new EvidenceVerifier(registry, store, publicKeys).verify("shipping", ID);
    assertEquals(List.of("manifest location"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(), r.toString());
    assertTrue(r.failures().get(0).message().contains("of target 'orders', not backup '" + ID + "' of target 'shipping'"),
        r.failures().get(0).message());
  }

  @Test
  void aSealedWithKeyThatIsNotTheHeaderKidIsNamed() throws Exception {
    // Re-sign the same payload with the real key, but with sealedWith naming another key.
    Path jws = writable(dir.resolve("evidence/orders/backups/" + ID + "/manifest.jws"));
    String[] p = Files.readString(jws).split("\\.");
    String body = new String(Base64.getUrlDecoder().decode(p[1]));
    String kid = keys.signingKeyId();
    assertTrue(body.contains("\"signingKeyId\":\"" + kid + "\""), body);
    String forged = body.replace("\"signingKeyId\":\"" + kid + "\"", "\"signingKeyId\":\"local:kek-rotated-away\"");
    Files.delete(jws);
    Files.writeString(jws, Jws.sign(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8), kid, keys.signingAlgorithm(), keys::sign));

    EvidenceVerifier.Report r = verify();
    assertEquals(List.of("signing key"), r.failures().stream().map(EvidenceVerifier.Check::name).toList(), r.toString());
    assertEquals("manifest says it was sealed with key local:kek-rotated-away but its JWS header names key " + kid,
        r.failures().get(0).message());
  }

  private String write(String key, int size, long seed) throws Exception {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write(data);
      up.commit();
    }
    return Digests.sha256Hex(data);
  }

  /** What an attacker with file access does first: the registry made the file read-only. */
  private static Path writable(Path p) throws Exception {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    return p;
  }
}
