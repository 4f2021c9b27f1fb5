package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.dbrunbooks.workflows.backup.BackupPhase;
import io.dbrunbooks.workflows.backup.BackupProgress;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.GlobalDataConverter;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The 738 MB a backup step has stored show in {@code runbooks status} although the workflow's own
 * count (a signal once a minute) still says 0, and the elapsed time is until now, not until the
 * workflow's last task.
 */
class LiveProgressTest {
  private static final Instant STARTED = Instant.parse("2026-12-02T10:00:00Z");

  private static PendingActivityInfo takeBackup(Object heartbeat, long heartbeatSecondsAfterStart) {
    Payloads details = GlobalDataConverter.get().toPayloads(heartbeat).orElseThrow();
    return PendingActivityInfo.newBuilder()
        .setActivityType(ActivityType.newBuilder().setName("TakeBackup"))
        .setHeartbeatDetails(details)
        .setLastStartedTime(Timestamp.newBuilder().setSeconds(STARTED.getEpochSecond() + 1))
        .setLastHeartbeatTime(Timestamp.newBuilder().setSeconds(STARTED.getEpochSecond() + 1 + heartbeatSecondsAfterStart))
        .build();
  }

  @Test
  void theStepsHeartbeatGivesBytesAndRateBeforeTheFirstSignal() {
    Optional<LiveProgress.Heartbeat> h = LiveProgress.heartbeat(takeBackup(738_000_000L, 30));
    assertTrue(h.isPresent());
    assertEquals(738_000_000L, h.get().bytes());
    assertEquals(24_600_000.0, h.get().bytesPerSecond(), 1.0);

    // The query, answered from the workflow's state 0.26 s into the run, before any signal.
    BackupProgress asked = new BackupProgress("orders", "orders-1", BackupPhase.BACKUP, 0, 0, 0.26, null, STARTED.toString());
    BackupProgress now = LiveProgress.backup(asked, h, STARTED.plusSeconds(35));
    assertEquals(738_000_000L, now.bytes());
    assertEquals(35.0, now.elapsedSeconds(), 0.001);
  }

  @Test
  void aHeartbeatThatIsNotAByteCountIsIgnoredAndAnOlderCountNeverRewinds() {
    assertTrue(LiveProgress.heartbeat(takeBackup("orders-20261202T100000Z-abc123", 5)).isEmpty());
    BackupProgress asked = new BackupProgress("orders", "orders-1", BackupPhase.BACKUP, 900, 10, 60, null, STARTED.toString());
    BackupProgress now = LiveProgress.backup(asked, LiveProgress.heartbeat(takeBackup(100L, 5)), STARTED.plusSeconds(61));
    assertEquals(900, now.bytes(), "a count below the workflow's (a retried attempt) does not rewind what people see");
    // Outside the backup step the heartbeat is another step's (verification) and is not "written".
    BackupProgress verifying = new BackupProgress("orders", "orders-1", BackupPhase.VERIFY, 900, 10, 60, null, STARTED.toString());
    assertEquals(900, LiveProgress.backup(verifying, LiveProgress.heartbeat(takeBackup(5_000L, 5)), STARTED).bytes());
  }
}
