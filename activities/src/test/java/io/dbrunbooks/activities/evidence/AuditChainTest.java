package io.dbrunbooks.activities.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTest {

  static final String CHAIN = "orders/backups/orders-20261121T104107Z-3fa2c1";

  @TempDir Path dir;

  static AuditEvent event(String action) {
    return new AuditEvent("2026-11-21T10:41:07Z", action, "target/orders", "alice", "succeeded", Map.of("bytes", "42"));
  }

  @Test
  void appendsLinkedEntriesAndVerifiesTheHead() throws Exception {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    AuditChain chain = new AuditChain(reg);

    AuditRecord r1 = chain.append(CHAIN, 1, event("backup.precheck"));
    AuditRecord r2 = chain.append(CHAIN, 2, event("backup.taken"));
    AuditRecord r3 = chain.append(CHAIN, 3, event("backup.verified"));

    assertEquals("0".repeat(64), r1.previousHash());
    assertEquals(r1.hash(), r2.previousHash());
    assertEquals(r2.hash(), r3.previousHash());
    assertEquals(new AuditChain.Head(3, r3.hash()), chain.verify(CHAIN));
    byte[] stored = reg.get(CHAIN + "/audit/00000002.json").orElseThrow();
    assertEquals(r2.hash(), Digests.sha256Hex(stored));
    assertEquals("{\"event\":{\"action\":\"backup.taken\",\"metadata\":{\"bytes\":\"42\"},\"resource\":\"target/orders\",\"status\":\"succeeded\","
        + "\"timestamp\":\"2026-11-21T10:41:07Z\",\"user\":\"alice\"},\"previousHash\":\"" + r1.hash() + "\",\"sequence\":2}",
        new String(stored, StandardCharsets.UTF_8));
  }

  @Test
  void identicalRetryReturnsTheSameRecordDifferentEventConflicts() throws Exception {
    AuditChain chain = new AuditChain(new FileEvidenceRegistry(dir));
    AuditRecord first = chain.append(CHAIN, 1, event("backup.precheck"));

    assertEquals(first, chain.append(CHAIN, 1, event("backup.precheck")));
    assertThrows(EvidenceConflictException.class, () -> chain.append(CHAIN, 1, event("backup.other")));
  }

  @Test
  void appendingPastAGapNamesTheMissingEntry() throws Exception {
    AuditChain chain = new AuditChain(new FileEvidenceRegistry(dir));
    chain.append(CHAIN, 1, event("a"));

    BrokenChainException e = assertThrows(BrokenChainException.class, () -> chain.append(CHAIN, 3, event("c")));
    assertEquals(2, e.sequence());
    assertTrue(e.getMessage().contains("audit entry 2 missing"), e.getMessage());
  }

  @Test
  void tamperingWithAnEntryIsDetectedNamingIt() throws Exception {
    AuditChain chain = new AuditChain(new FileEvidenceRegistry(dir));
    for (int i = 1; i <= 4; i++) {
      chain.append(CHAIN, i, event("step" + i));
    }
    Path entry2 = dir.resolve(CHAIN + "/audit/00000002.json");
    Files.setPosixFilePermissions(entry2, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(entry2, Files.readString(entry2).replace("alice", "mallory"));

    BrokenChainException e = assertThrows(BrokenChainException.class, () -> chain.verify(CHAIN));
    assertEquals(3, e.sequence());
    assertTrue(e.getMessage().contains("entry 2 was changed after entry 3 was written"), e.getMessage());
  }

  @Test
  void aMissingMiddleEntryIsNamed() throws Exception {
    AuditChain chain = new AuditChain(new FileEvidenceRegistry(dir));
    for (int i = 1; i <= 3; i++) {
      chain.append(CHAIN, i, event("step" + i));
    }
    Files.delete(dir.resolve(CHAIN + "/audit/00000002.json"));

    BrokenChainException e = assertThrows(BrokenChainException.class, () -> chain.verify(CHAIN));
    assertEquals(2, e.sequence());
    assertTrue(e.getMessage().contains("audit entry 2 of chain " + CHAIN + " is missing"), e.getMessage());
  }
}
