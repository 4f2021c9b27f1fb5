package io.dbrunbooks.starter.restore;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.RestoreResult;
import io.dbrunbooks.workflows.restore.SkippedBackup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code runbooks restore start} prints once a restore or its dry run ends. */
class RestoreSummaryTest {

  @Test
  void aDryRunNamesEveryBackupThePlanPassedOverAndWhy() {
    BackupArtifact a = new BackupArtifact("orders-20261121T090000Z-abc123", "orders", BackupMethod.PHYSICAL,
        "orders/orders-20261121T090000Z-abc123/base.tar.zst.aes", "file:/store/orders/orders-20261121T090000Z-abc123/base.tar.zst.aes",
        "tar", 100_000_000, 20_000_000, "aa".repeat(32), "bb".repeat(32), "zstd", "aes-256-gcm", "local:kek-1", "d3JhcHBlZA==",
        "pg_basebackup (PostgreSQL) 15.10", "2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z", "0/2000028", "0/2000100", 1);
    RestorePlan plan = new RestorePlan("orders", a.backupId(), "file:/evidence/orders/backups/" + a.backupId() + "/manifest.jws",
        a, 1, "0/2000028", "0/2000100", "2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z", RecoveryTarget.latest(),
        "000000010000000000000002", "000000010000000000000005", "0/6000000", 4, 64L << 20, 20_000_000 + (64L << 20),
        List.of("manifest signature verified"), List.of(new SkippedBackup("orders-20261121T100000Z-def456",
            "its manifest file:/evidence/orders/backups/orders-20261121T100000Z-def456/manifest.jws cannot be read (not a"
                + " compact JWS: expected 3 dot-separated parts, found 2)")));
    StringWriter text = new StringWriter();

    RestoreRuns.printSummary(new PrintWriter(text, true), new RestoreResult("orders-20261121T110000Z-0a1b2c", "orders", true,
        plan, null, null, null, 0, null, false, null));

    assertTrue(text.toString().contains("  skipped   orders-20261121T100000Z-def456: its manifest file:/evidence/orders/backups/"
        + "orders-20261121T100000Z-def456/manifest.jws cannot be read (not a compact JWS"), text.toString());
  }
}
