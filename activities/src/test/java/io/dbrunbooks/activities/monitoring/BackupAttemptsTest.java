package io.dbrunbooks.activities.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.evidence.AuditChain;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.workflows.common.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newest finished backup run, from real audit chains in a file registry. */
class BackupAttemptsTest {
  @TempDir Path tmp;

  @Test
  void runsOfOneSecondAreOrderedByTheirLastEntryAndUnfinishedRunsAreSkipped() throws Exception {
    FileEvidenceRegistry registry = new FileEvidenceRegistry(tmp);
    assertTrue(BackupAttempts.newestFinished(registry, "orders").isEmpty());
    // Same second; the random suffix of the later, successful run sorts first.
    failed(registry, "orders-20261202T172343Z-ffffff", "2026-12-02T17:23:43Z");
    sealed(registry, "orders-20261202T172343Z-000000", "2026-12-02T17:23:43.5Z");
    entry(registry, "orders-20261202T180000Z-abcdef", 1, "backup.requested", "2026-12-02T18:00:00Z"); // still running
    assertEquals("orders-20261202T172343Z-000000", BackupAttempts.newestFinished(registry, "orders").orElseThrow().backupId());
    assertEquals("succeeded", BackupAttempts.newestFinished(registry, "orders").orElseThrow().outcome());

    failed(registry, "orders-20261202T172344Z-aaaaaa", "2026-12-02T17:23:44Z");
    assertTrue(BackupAttempts.newestFinished(registry, "orders").orElseThrow().failed());
  }

  private static void failed(FileEvidenceRegistry r, String id, String at) throws Exception {
    entry(r, id, 1, "backup.requested", at);
    entry(r, id, 2, "backup.failed", at);
  }

  private static void sealed(FileEvidenceRegistry r, String id, String at) throws Exception {
    entry(r, id, 1, "backup.requested", at);
    r.putOnce("orders/backups/" + id + "/manifest.jws", "x.y.z".getBytes(StandardCharsets.US_ASCII));
  }

  private static void entry(FileEvidenceRegistry r, String id, long seq, String action, String at) throws Exception {
    new AuditChain(r).append("orders/backups/" + id, seq, new AuditEvent(at, action, "target/orders/backup/" + id, "alice",
        action.endsWith("failed") ? "failed" : "started", Map.of("error", "boom")));
  }
}
