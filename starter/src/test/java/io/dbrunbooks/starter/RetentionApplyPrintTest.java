package io.dbrunbooks.starter;

import io.dbrunbooks.starter.retention.RetentionApplyCommand;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dbrunbooks.workflows.retention.RetentionPlan;
import io.dbrunbooks.workflows.retention.RetentionResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code retention apply --dry-run} prints for a plan with backup classes. */
class RetentionApplyPrintTest {
  @Test
  void aDryRunShowsTheClassPeriodsEachBackupsClassAndReasonAndTheWalAKeptClassBackupNeeds() {
    RetentionPlan plan = new RetentionPlan("orders", 7, 2, "2026-11-22T12:00:00Z", "2026-11-15T12:00:00Z",
        List.of(new RetentionPlan.Backup("orders-w", "physical", "2026-05-10T05:10:00Z", 100L, "aa", List.of(),
            "class weekly, 196 d old < 365 d", "weekly")),
        List.of(new RetentionPlan.Backup("orders-h", "physical", "2026-10-23T07:10:00Z", 1024L, "bb", List.of(),
            "base backup older than the recovery window and the minimum count; class hourly, 30 d old, past its 30 d", "hourly")),
        new RetentionPlan.WalExpiry("000000010000000000000030", "orders-a", 27, 0, "000000010000000000000001",
            "00000001000000000000002F", List.of(new RetentionPlan.WalRange("00000001000000000000000A",
                "00000001000000000000000B", "orders-w"))),
        List.of(), Map.of("daily", 90, "hourly", 30, "weekly", 365));
    StringWriter out = new StringWriter();
    RetentionApplyCommand.print(new PrintWriter(out, true), new RetentionResult(plan, true, null, null));
    assertEquals("""
        dry run: retention of orders: recovery window 7 days (from 2026-11-15T12:00:00Z), at least 2 full backup(s), \
        classes daily 90 d, hourly 30 d, weekly 365 d
          keep    orders-w  physical/weekly  finished 2026-05-10T05:10:00Z  (class weekly, 196 d old < 365 d)
          expire  orders-h  physical/hourly  finished 2026-10-23T07:10:00Z  1.0 KiB  (base backup older than the recovery \
        window and the minimum count; class hourly, 30 d old, past its 30 d)
          expire  WAL before 000000010000000000000030 (needed from there by orders-a): 27 segment(s) \
        000000010000000000000001 to 00000001000000000000002F
          keep    WAL 00000001000000000000000A to 00000001000000000000000B (makes orders-w consistent)
        """, out.toString());
  }
}
