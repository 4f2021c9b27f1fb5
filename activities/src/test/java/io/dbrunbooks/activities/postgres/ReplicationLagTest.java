package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.backup.StandbyLag;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationLagTest {

  @Test
  void aPrimaryIsJudgedByItsSlowestStandby() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of(
        new StandbyLag("replica-a", "10.0.0.5", "streaming", 2.0),
        new StandbyLag("replica-b", "10.0.0.6", "catchup", 42.5)));
    assertEquals(42.5, o.lagSeconds());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 60));
    String m = ReplicationLag.refusal("orders", "db1:5432", o, 30);
    assertTrue(m.contains("replica-b") && m.contains("10.0.0.6") && m.contains("42.5 s") && m.contains("30.0 s")
        && m.contains("orders"), m);
  }

  @Test
  void aPrimaryWithoutStandbysHasNoLag() {
    ReplicationLag.Observation o = ReplicationLag.observe(List.of());
    assertEquals(0, o.lagSeconds());
    assertNull(ReplicationLag.refusal("orders", "db1:5432", o, 0));
  }

  @Test
  void aStandbyIsJudgedByItsOwnReplayDelay() {
    ReplicationLag.Observation o = new ReplicationLag.Observation("standby", 75, null, List.of());
    String m = ReplicationLag.refusal("orders", "db2:5432", o, 30);
    assertTrue(m.contains("db2:5432 is a standby") && m.contains("75.0 s") && m.contains("30.0 s"), m);
  }
}
