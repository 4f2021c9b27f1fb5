package io.dbrunbooks.starter.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.Timestamp;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The "retrying" row of {@code runbooks wal archive status}, from the pending activity Temporal describes. */
class WalArchiveRetryingTest {
  private static final Failure WORKER_SHUT_DOWN = Failure.newBuilder()
      .setMessage("WorkflowId=wal-archive/orders, ActivityId=5c6f, activityType=ArchiveWal, attempt=3")
      .setApplicationFailureInfo(ApplicationFailureInfo.newBuilder().setType("io.temporal.client.ActivityWorkerShutdownException"))
      .build();

  private static PendingActivityInfo.Builder call(int attempt, Failure last, PendingActivityState state) {
    return PendingActivityInfo.newBuilder().setActivityType(ActivityType.newBuilder().setName("ArchiveWal"))
        .setAttempt(attempt).setLastFailure(last).setState(state);
  }

  @Test
  void theDeepestCauseIsShownNotTheWrapperThatOnlyNamesTheCall() {
    Failure wrapped = Failure.newBuilder().setMessage("WorkflowId=wal-archive/orders, ActivityId=5c6f")
        .setCause(Failure.newBuilder().setMessage("target 'orders': connection refused to 127.0.0.1:5432")).build();
    assertEquals("attempt 4 of ArchiveWal, last failure: target 'orders': connection refused to 127.0.0.1:5432",
        retrying(call(4, wrapped, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED)));
  }

  @Test
  void aWorkerShutdownSaysSo() {
    assertEquals("attempt 4 of ArchiveWal, last failure: the worker running the call shut down; the retry resumes from"
        + " the archive's end", retrying(call(4, WORKER_SHUT_DOWN, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED)));
  }

  @Test
  void aRetryThatIsStreamingAgainShowsNothing() {
    PendingActivityInfo.Builder streaming = call(4, WORKER_SHUT_DOWN, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        .setLastStartedTime(Timestamp.newBuilder().setSeconds(1_000))
        .setLastHeartbeatTime(Timestamp.newBuilder().setSeconds(1_006));
    assertNull(retrying(streaming));
  }

  @Test
  void aRetryThatStartedButHasNotHeartbeatedYetIsStillRetrying() {
    PendingActivityInfo.Builder starting = call(2, WORKER_SHUT_DOWN, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        .setLastStartedTime(Timestamp.newBuilder().setSeconds(1_000))
        .setLastHeartbeatTime(Timestamp.newBuilder().setSeconds(990));
    assertEquals("attempt 2 of ArchiveWal, last failure: the worker running the call shut down; the retry resumes from"
        + " the archive's end", retrying(starting));
  }

  private static String retrying(PendingActivityInfo.Builder a) {
    return WalArchiveStatusCommand.retrying(List.of(a.build()));
  }
}
