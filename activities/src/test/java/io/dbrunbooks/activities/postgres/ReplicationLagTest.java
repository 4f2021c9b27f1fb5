package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.postgres.ReplicationLag.Walsender;
import io.dbrunbooks.workflows.backup.WalReceiver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which walsenders are standbys, and what lag means for each, from rows as pg_stat_replication gives them. */
class ReplicationLagTest {
  static final String PRIMARY = "0/5000000";

  /** A client that reports replay: {@code behind} bytes short of the primary, with the view's replay_lag. */
  static Walsender standby(String name, String addr, String state, long behind, Double replayLag) {
    return new Walsender(name, addr, state, true, null, "0/4000000", behind, replayLag, "0/4000000", behind, replayLag, PRIMARY);
  }

  /** A client that never reports replay (pg_receivewal, our archiver): replay_lsn NULL, replay_lag growing. */
  static Walsender receiver(String name, String slot, long flushBehind, Double flushLag, double replayLag) {
    return new Walsender(name, "local", "streaming", true, slot, null, null, replayLag, "0/4FFFF00", flushBehind, flushLag, PRIMARY);
  }

  @Test
  void aPrimaryIsJudgedByItsSlowestStandby() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        standby("replica-a", "10.0.0.5", "streaming", 100, 2.0),
        standby("replica-b", "10.0.0.6", "catchup", 9000, 42.5)), "db_runbooks_orders", 30);
    assertEquals(42.5, o.lagSeconds());
    assertEquals(2, o.standbys().size());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 60));
    String m = ReplicationLag.refusal("orders", "db1:5432", o, 30);
    assertTrue(m.contains("replica-b") && m.contains("10.0.0.6") && m.contains("42.5 s") && m.contains("30.0 s")
        && m.contains("orders") && m.contains("9000 bytes"), m);
  }

  @Test
  void aPrimaryWithoutStandbysHasNoLag() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(), "db_runbooks_orders", 0);
    assertEquals(0, o.lagSeconds());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 0));
  }

  @Test
  void aStandbyThatReplayedAllThePrimaryFlushedIsCaughtUpWhateverTheColumnStillSays() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(standby("replica-a", "10.0.0.5", "streaming", 0, 40.0)),
        "db_runbooks_orders", 30);
    assertEquals(0, o.lagSeconds());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 30));
    assertTrue(o.standbys().get(0).judged().contains("caught up") && o.standbys().get(0).judged().contains("40.0 s"),
        o.standbys().get(0).judged());
  }

  @Test
  void theTargetsArchiverIsAReceiverNotAStandbyWhateverItsReplayLag() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        receiver("db-runbooks-wal-archiver", "db_runbooks_orders", 0, null, 290.0),
        // an archiver of an older version that reported its archived end as replayed: its slot still says what it is
        new Walsender("db-runbooks-wal-archiver", "10.0.0.9", "streaming", true, "db_runbooks_orders", "0/4000000", 4096L, 290.0,
            "0/4000000", 4096L, 0.5, PRIMARY)), "db_runbooks_orders", 2);
    assertEquals(0, o.lagSeconds());
    assertEquals(List.of(), o.standbys());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 2));
    assertEquals(2, o.receivers().size());
    WalReceiver r = o.receivers().get(0);
    assertEquals("archiver", r.kind());
    assertEquals("db_runbooks_orders", r.slot());
    assertEquals(0, r.lagSeconds());
    assertTrue(r.judged().contains("this target's WAL archiver") && r.judged().contains("not judged"), r.judged());
    assertEquals(List.of(), o.notes());
  }

  @Test
  void otherClientsThatReplayNothingAreReceiversAndABaseBackupIsNoStandby() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        receiver("pg_receivewal", "barman", 0, null, 600.0),
        new Walsender("pg_basebackup", "local", "backup", true, null, null, null, null, null, null, null, PRIMARY),
        receiver("db-runbooks-wal-archiver", null, 0, null, 0.0)), "db_runbooks_orders", 1);
    assertEquals(0, o.lagSeconds());
    assertEquals(List.of("receiver", "base backup", "receiver"), o.receivers().stream().map(WalReceiver::kind).toList());
    assertTrue(o.receivers().get(0).judged().contains("pg_receivewal"), o.receivers().get(0).judged());
    assertTrue(o.receivers().get(2).judged().contains("timeline"), o.receivers().get(2).judged());
  }

  @Test
  void anArchiverFarBehindIsNotedNotRefused() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        receiver("db-runbooks-wal-archiver", "db_runbooks_orders", 1 << 24, 95.0, 400.0)), "db_runbooks_orders", 60);
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 60));
    assertEquals(95.0, o.receivers().get(0).lagSeconds());
    assertEquals(1, o.notes().size());
    String n = o.notes().get(0);
    assertTrue(n.contains("db_runbooks_orders") && n.contains("0/4FFFF00") && n.contains("16777216 bytes") && n.contains("95.0 s"), n);
  }

  @Test
  void walsendersTheRoleMayNotSeeAreNamedNotGuessed() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        new Walsender("", "local", "", false, null, null, null, null, null, null, null, PRIMARY)), "db_runbooks_orders", 30);
    assertEquals("unknown", o.receivers().get(0).kind());
    assertTrue(o.notes().get(0).contains("pg_read_all_stats"), o.notes().toString());
  }

  @Test
  void aStandbyIsJudgedByItsOwnReplayDelay() {
    ReplicationLag.Observation o = new ReplicationLag.Observation("standby", 75, null, List.of(), List.of(), List.of());
    String m = ReplicationLag.refusal("orders", "db2:5432", o, 30);
    assertTrue(m.contains("db2:5432 is a standby") && m.contains("75.0 s") && m.contains("30.0 s"), m);
  }
}
