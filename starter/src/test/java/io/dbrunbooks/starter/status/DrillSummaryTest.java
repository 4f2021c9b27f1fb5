package io.dbrunbooks.starter.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.keys.LocalKeyring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last drill as the status screen reads it from signed manifests in a real file registry. */
class DrillSummaryTest {
  @TempDir Path tmp;

  @Test
  void theNewestSealedDrillIsReadWithItsVerdictRtoAndRpo() throws Exception {
    FileEvidenceRegistry registry = new FileEvidenceRegistry(tmp.resolve("evidence"));
    assertTrue(DrillSummary.newest(registry, "orders").isEmpty(), "no drill yet");
    LocalKeyring keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    seal(registry, keys, "orders-20261201T020000Z-aaaaaa", Map.of("passed", false, "rtoSeconds", 900.5,
        "rpo", Map.of("seconds", 3.2, "bytes", 8192), "startedAt", "2026-12-01T02:00:00Z"));
    seal(registry, keys, "orders-20261202T020000Z-bbbbbb", Map.of("passed", true, "rtoSeconds", 412.0,
        "rpo", Map.of("seconds", 0.8, "bytes", 1024), "startedAt", "2026-12-02T02:00:00Z"));
    DrillSummary d = DrillSummary.newest(registry, "orders").orElseThrow();
    assertEquals("orders-20261202T020000Z-bbbbbb", d.drillId());
    assertEquals(Boolean.TRUE, d.passed());
    assertEquals(412.0, d.rtoSeconds());
    assertEquals(0.8, d.rpoSeconds());
    assertEquals(1024L, d.rpoBytes());
    assertEquals(null, d.error());
  }

  private static void seal(FileEvidenceRegistry registry, LocalKeyring keys, String id, Map<String, Object> manifest) throws Exception {
    String jws = Jws.sign(CanonicalJson.bytes(manifest), keys);
    registry.putOnce("orders/drills/" + id + "/manifest.jws", jws.getBytes(StandardCharsets.US_ASCII));
  }
}
