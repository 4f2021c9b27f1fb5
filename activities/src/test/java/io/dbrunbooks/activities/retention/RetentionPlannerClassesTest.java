package io.dbrunbooks.activities.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.RetentionPolicy;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalListing;
import io.dbrunbooks.activities.wal.WalListings;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.workflows.retention.RetentionPlan;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Per-class retention over a synthetic year of backups, as the policies this tool replaces take
 * them: every 6 hours (class {@code hourly}, kept 30 days), daily at 02:00 UTC ({@code daily}, 90
 * days), Sundays at 04:00 ({@code weekly}, 365 days), plus unclassed manual backups every ten days
 * and a {@code monthly} class the policy gives no period. The WAL archive holds one segment per
 * hour, so each backup's start and stop LSN fall in the segments of its start hour and the next.
 */
class RetentionPlannerClassesTest {
  static final int SEG = 1 << 20;
  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z"); // a Sunday
  static final Instant SERIES_START = Instant.parse("2025-10-18T00:00:00Z"); // 400 days before, at midnight
  static final Duration TAKES = Duration.ofMinutes(70); // long enough to end in the next hour's segment
  static final String SYSTEM = "7312345678901234567";
  static final RetentionPolicy YEAR = new RetentionPolicy(7, 2, Map.of(
      "hourly", new RetentionPolicy.ClassPeriod(30),
      "daily", new RetentionPolicy.ClassPeriod(90),
      "weekly", new RetentionPolicy.ClassPeriod(365)));

  @Test
  void aYearOfClassedBackupsKeepsExactlyEachClassForItsOwnPeriod() {
    RetentionPlan plan = RetentionPlanner.plan("orders", YEAR, yearOfBackups(), hourlyWal(), SYSTEM, NOW);

    Set<String> expected = new TreeSet<>();
    // hourly: finished less than 30 days ago, i.e. after 2026-10-23T12:00: the 12:00 run of that day on,
    // up to the 06:00 run today (today's 12:00 run has not finished at noon).
    expected.addAll(every(Duration.ofHours(6), "2026-10-23T12:00:00Z", "2026-11-22T06:00:00Z", "hourly"));
    // daily: finished after 2026-08-24T12:00, so from the 25th's run on.
    expected.addAll(every(Duration.ofDays(1), "2026-08-25T02:00:00Z", "2026-11-22T02:00:00Z", "daily"));
    // weekly: finished after 2025-11-22T12:00: every Sunday from 2025-11-23 on.
    expected.addAll(every(Duration.ofDays(7), "2025-11-23T04:00:00Z", "2026-11-22T04:00:00Z", "weekly"));
    // unclassed: only the window (7 days) keeps them; the newest before the window is an hourly one.
    expected.add("manual-20261121T09");
    assertEquals(120 + 90 + 53 + 1, expected.size());

    assertEquals(expected, ids(plan.keep()));
    assertEquals(Map.of("hourly", 30, "daily", 90, "weekly", 365), plan.classKeepDays());
    assertTrue(plan.expire().stream().noneMatch(b -> expected.contains(b.backupId())));
    assertEquals(yearOfBackups().size(), plan.keep().size() + plan.expire().size(), "every backup has a fate");
    assertTrue(plan.expire().stream().anyMatch(b -> b.backupId().startsWith("monthly-")));
    assertTrue(plan.keep().stream().noneMatch(b -> b.backupId().startsWith("monthly-")),
        "a class without a period follows the window: the newest monthly is 21 days old");

    // Each kept backup says why; a backup kept by a guarantee and its class names both.
    assertEquals("class weekly, 196 d old < 365 d", reason(plan.keep(), "weekly-20260510T04"));
    assertEquals("class daily, 89 d old < 90 d", reason(plan.keep(), "daily-20260825T02"));
    assertEquals("newest base backup before the window starts (2026-11-15T12:00:00Z): restores its first moments;"
        + " class hourly, 7 d old < 30 d", reason(plan.keep(), "hourly-20261115T06"));
    assertEquals("inside the 7-day recovery window", reason(plan.keep(), "manual-20261121T09"));
    assertEquals("base backup older than the recovery window and the minimum count; class hourly, 30 d old, past its 30 d",
        reason(plan.expire(), "hourly-20261023T06"));
    assertEquals("base backup older than the recovery window and the minimum count; class weekly, 371 d old, past its 365 d",
        reason(plan.expire(), "weekly-20251116T04"));
    assertEquals("base backup older than the recovery window and the minimum count; class monthly has no period in"
        + " retention.classes", reason(plan.expire(), "monthly-20261101T03"));
    assertEquals("base backup older than the recovery window and the minimum count", reason(plan.expire(), "manual-20261111T09"));
    assertEquals("weekly", plan.keep().stream().filter(b -> b.backupId().equals("weekly-20260510T04")).findFirst().get()
        .backupClass());
  }

  @Test
  void pointInTimeWalStartsAtTheWindowsAnchorAndOlderClassBackupsKeepOnlyTheWalThatMakesThemConsistent() {
    WalListing wal = hourlyWal();
    RetentionPlan plan = RetentionPlanner.plan("orders", YEAR, yearOfBackups(), wal, SYSTEM, NOW);

    // Every moment since the window's anchor (hourly-20261115T06) stays restorable.
    assertEquals(segmentAt("2026-11-15T06:00:00Z").name(), plan.wal().keepFrom());
    assertEquals("hourly-20261115T06", plan.wal().neededBy());
    // Below it, each backup kept for its class keeps its start and stop segments: 52 weekly, 83 daily
    // and 91 hourly backups (all disjoint hours), 2 segments each.
    assertEquals(52 + 83 + 91, plan.wal().keptBelow().size());
    assertEquals(new RetentionPlan.WalRange(segmentAt("2026-05-10T04:00:00Z").name(), segmentAt("2026-05-10T05:00:00Z").name(),
        "weekly-20260510T04"), plan.wal().keptBelow().stream().filter(r -> r.neededBy().equals("weekly-20260510T04"))
        .findFirst().orElseThrow());
    // Segments 1 .. 9438 lie below the boundary (393 days and 6 hours of hours); 452 of them are kept.
    assertEquals(9438 - 2 * (52 + 83 + 91), plan.wal().segments());
    assertEquals(segmentAt("2025-10-18T00:00:00Z").name(), plan.wal().first());
    // The 15th's 00:00 to 05:00 are kept (its hourly, daily and weekly backups): the last to go is the 14th's 23:00.
    assertEquals(segmentAt("2026-11-14T23:00:00Z").name(), plan.wal().last());

    Set<String> removed = WalRetention.keysRemovedByAll(wal, List.of(plan.wal())).stream()
        .map(k -> k.substring(k.lastIndexOf('/') + 1, k.lastIndexOf('/') + 25)).collect(Collectors.toCollection(TreeSet::new));
    // The 200-day-old weekly keeps its two segments; the hours around it, which only expired backups needed, go.
    assertFalse(removed.contains(segmentAt("2026-05-10T04:00:00Z").name()));
    assertFalse(removed.contains(segmentAt("2026-05-10T05:00:00Z").name()));
    assertTrue(removed.contains(segmentAt("2026-05-10T03:00:00Z").name()), "the expired daily's stop segment");
    assertTrue(removed.contains(segmentAt("2026-05-10T06:00:00Z").name()), "the expired hourly's start segment");
    // On 1 November hourly, daily and weekly backups are all kept: their 16 segments stay, the 8 others go.
    Set<Integer> goneHours = new TreeSet<>();
    for (int h = 0; h < 24; h++) {
      if (removed.contains(segmentAt(String.format("2026-11-01T%02d:00:00Z", h)).name())) {
        goneHours.add(h);
      }
    }
    assertEquals(Set.of(8, 9, 10, 11, 14, 15, 16, 17, 20, 21, 22, 23), goneHours);
    assertEquals(plan.wal().segments(), removed.size());
    assertTrue(removed.stream().noneMatch(s -> s.compareTo(plan.wal().keepFrom()) >= 0), "nothing from the anchor on");
  }

  @Test
  void classesThatWouldExpireEverythingStillLeaveTheNewestValidBackup() {
    RetentionPolicy stingy = new RetentionPolicy(0, 1, Map.of("hourly", new RetentionPolicy.ClassPeriod(1)));
    List<BackupCatalog.Entry> catalog = List.of(
        unreadable("hourly-broken"),
        entry("hourly-gone", "physical", "hourly", NOW.minus(Duration.ofDays(5)), 40, false),
        entry("hourly-10d", "physical", "hourly", NOW.minus(Duration.ofDays(10)), 30, true),
        entry("hourly-20d", "physical", "hourly", NOW.minus(Duration.ofDays(20)), 20, true),
        entry("hourly-30d", "physical", "hourly", NOW.minus(Duration.ofDays(30)), 10, true),
        entry("dump-10d", "logical", "hourly", NOW.minus(Duration.ofDays(10)), 0, true),
        entry("dump-20d", "logical", "hourly", NOW.minus(Duration.ofDays(20)), 0, true));
    RetentionPlan plan = RetentionPlanner.plan("orders", stingy, catalog, walUpTo(45), SYSTEM, NOW);

    assertEquals(Set.of("hourly-10d", "dump-10d"), ids(plan.keep()), "the newest readable, present backup of each kind");
    assertTrue(reason(plan.keep(), "hourly-10d").startsWith("newest base backup before the window starts"));
    assertEquals("one of the newest 1 logical dumps", reason(plan.keep(), "dump-10d"));
    assertEquals(Set.of("hourly-20d", "hourly-30d", "dump-20d"), ids(plan.expire()));
    assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("left alone: hourly-broken")), plan.notes().toString());
    assertEquals(seg(30).name(), plan.wal().keepFrom(), "and the WAL from its start");
  }

  @Test
  void anOlderBackupKeptForItsClassKeepsItsOwnWalRangeAndNothingAroundIt() {
    List<BackupCatalog.Entry> catalog = List.of(
        entry("new-1d", "physical", null, NOW.minus(Duration.ofDays(1)), 30, true),
        entry("manual-10d", "physical", null, NOW.minus(Duration.ofDays(10)), 25, true),
        entry("manual-100d", "physical", null, NOW.minus(Duration.ofDays(100)), 20, true),
        entry("weekly-200d", "physical", "weekly", NOW.minus(Duration.ofDays(200)), 10, true));
    RetentionPolicy policy = new RetentionPolicy(7, 1, Map.of("weekly", new RetentionPolicy.ClassPeriod(365)));
    WalListing wal = walUpTo(35);
    RetentionPlan plan = RetentionPlanner.plan("orders", policy, catalog, wal, SYSTEM, NOW);

    assertEquals(Set.of("new-1d", "manual-10d", "weekly-200d"), ids(plan.keep()));
    assertEquals(Set.of("manual-100d"), ids(plan.expire()));
    assertEquals(seg(25).name(), plan.wal().keepFrom(), "point-in-time recovery from the window's anchor on");
    assertEquals(List.of(new RetentionPlan.WalRange(seg(10).name(), seg(11).name(), "weekly-200d")), plan.wal().keptBelow());
    assertEquals(24 - 2, plan.wal().segments(), "segments 1-24 but the weekly's 10 and 11");
    assertEquals(seg(1).name(), plan.wal().first());
    assertEquals(seg(24).name(), plan.wal().last());
    assertFalse(WalRetention.removes(plan.wal(), seg(10), wal));
    assertFalse(WalRetention.removes(plan.wal(), seg(11), wal));
    assertTrue(WalRetention.removes(plan.wal(), seg(12), wal));
    assertTrue(WalRetention.removes(plan.wal(), seg(20), wal), "the expired backup's WAL goes");
    assertFalse(WalRetention.removes(plan.wal(), seg(25), wal));
  }

  @Test
  void aClassPeriodShorterThanTheWindowExpiresNothingInsideIt() {
    RetentionPolicy policy = new RetentionPolicy(7, 1, Map.of("hourly", new RetentionPolicy.ClassPeriod(1)));
    List<BackupCatalog.Entry> catalog = List.of(
        entry("hourly-3d", "physical", "hourly", NOW.minus(Duration.ofDays(3)), 20, true),
        entry("hourly-5d", "physical", "hourly", NOW.minus(Duration.ofDays(5)), 10, true));
    RetentionPlan plan = RetentionPlanner.plan("orders", policy, catalog, walUpTo(25), SYSTEM, NOW);
    assertEquals(Set.of("hourly-3d", "hourly-5d"), ids(plan.keep()));
    assertEquals("inside the 7-day recovery window", reason(plan.keep(), "hourly-5d"));
    assertTrue(plan.expire().isEmpty());
  }

  @Test
  void aPlanRecordedBeforeClassesRemovesEverythingBelowItsBoundary() {
    WalListing wal = walUpTo(10);
    RetentionPlan.WalExpiry old = new RetentionPlan.WalExpiry(seg(5).name(), "b1", 4, 0, seg(1).name(), seg(4).name(), null);
    assertTrue(WalRetention.removes(old, seg(4), wal));
    assertFalse(WalRetention.removes(old, seg(5), wal));
    assertEquals(4, WalRetention.keysRemovedByAll(wal, List.of(old)).size());
    RetentionPlan.WalExpiry fresh = new RetentionPlan.WalExpiry(seg(5).name(), "b1", 2, 0, seg(1).name(), seg(4).name(),
        List.of(new RetentionPlan.WalRange(seg(2).name(), seg(3).name(), "weekly")));
    assertEquals(2, WalRetention.keysRemovedByAll(wal, List.of(old, fresh)).size(), "only what both remove");
  }

  // ---- the synthetic year ----------------------------------------------------------------------

  static List<BackupCatalog.Entry> yearOfBackups() {
    List<BackupCatalog.Entry> all = new ArrayList<>();
    for (LocalDate day = LocalDate.of(2025, 10, 18); !day.isAfter(LocalDate.of(2026, 11, 22)); day = day.plusDays(1)) {
      for (int hour = 0; hour < 24; hour += 6) {
        add(all, "hourly", "hourly", day, hour);
      }
      add(all, "daily", "daily", day, 2);
      if (day.getDayOfWeek() == DayOfWeek.SUNDAY) {
        add(all, "weekly", "weekly", day, 4);
      }
      if (day.getDayOfMonth() == 1) {
        add(all, "monthly", "monthly", day, 3);
      }
    }
    for (LocalDate day = LocalDate.of(2026, 11, 21); !day.isBefore(LocalDate.of(2025, 10, 18)); day = day.minusDays(10)) {
      add(all, "manual", null, day, 9);
    }
    return all;
  }

  private static void add(List<BackupCatalog.Entry> all, String prefix, String backupClass, LocalDate day, int hour) {
    Instant started = day.atTime(hour, 0).toInstant(ZoneOffset.UTC);
    Instant finished = started.plus(TAKES);
    if (finished.isAfter(NOW)) {
      return; // still running at NOW: not sealed yet
    }
    String id = prefix + "-" + day.toString().replace("-", "") + String.format("T%02d", hour);
    all.add(new BackupCatalog.Entry(id, "orders", "physical", finished.plusSeconds(30).toString(),
        List.of("orders/" + id + "/base.tar.zst.aes"), 1000L, "00", true,
        new Lsn(segmentAt(started).startLsn() + 40).toString(), new Lsn(segmentAt(finished).startLsn() + 400).toString(), 1,
        started.toString(), finished.toString(), SYSTEM, "schedule:" + prefix, null, null, null, null, backupClass));
  }

  /** Names like {@code hourly-20261023T12}, one per run from {@code first} to {@code last}. */
  private static Set<String> every(Duration step, String first, String last, String prefix) {
    Set<String> ids = new TreeSet<>();
    for (Instant t = Instant.parse(first); !t.isAfter(Instant.parse(last)); t = t.plus(step)) {
      ids.add(prefix + "-" + t.toString().substring(0, 13).replace("-", ""));
    }
    return ids;
  }

  /** One segment per hour since the series started, up to NOW. */
  static WalListing hourlyWal() {
    return walUpTo(segmentAt(NOW).segNo());
  }

  static WalSegment segmentAt(String instant) {
    return segmentAt(Instant.parse(instant));
  }

  static WalSegment segmentAt(Instant t) {
    return seg(Duration.between(SERIES_START, t).toHours() + 1);
  }

  static WalListing walUpTo(long lastSegNo) {
    return WalListings.of(SEG, LongStream.rangeClosed(1, lastSegNo).mapToObj(RetentionPlannerClassesTest::seg).toList());
  }

  static WalSegment seg(long n) {
    return new WalSegment(1, n, SEG);
  }

  // ---- small catalogs --------------------------------------------------------------------------

  private static BackupCatalog.Entry entry(String id, String method, String backupClass, Instant finished, int startSegment,
      boolean present) {
    boolean physical = method.equals("physical");
    return new BackupCatalog.Entry(id, "orders", method, finished.plusSeconds(30).toString(), List.of("orders/" + id + "/a"),
        1000L, "00", present, physical ? new Lsn(seg(startSegment).startLsn() + 40).toString() : null,
        physical ? new Lsn(seg(startSegment + 1).startLsn() + 400).toString() : null, physical ? 1 : 0,
        finished.minus(TAKES).toString(), finished.toString(), SYSTEM, "alice", null, null, null, null, backupClass);
  }

  private static BackupCatalog.Entry unreadable(String id) {
    return new BackupCatalog.Entry(id, "orders", null, null, List.of(), null, null, false, null, null, 0, null, null, null,
        null, null, null, null, "unreadable manifest: truncated", null);
  }

  private static Set<String> ids(List<RetentionPlan.Backup> backups) {
    return backups.stream().map(RetentionPlan.Backup::backupId).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String reason(List<RetentionPlan.Backup> backups, String id) {
    return backups.stream().filter(b -> b.backupId().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError(id + " not in " + ids(backups))).reason();
  }
}
