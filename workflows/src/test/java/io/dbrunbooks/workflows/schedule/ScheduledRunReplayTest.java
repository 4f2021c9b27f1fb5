package io.dbrunbooks.workflows.schedule;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/schedule-histories/}, recorded on {@code
 * temporal server start-dev} by the CLI's SchedulesCommandTest (a start skipped because a manual
 * backup held the lock; starts by two schedules firing together, one completed, one skipped),
 * against the current {@link ScheduledRunWorkflowImpl}. Record with
 * {@code ./mvnw -B test -pl starter -am -Dtest=SchedulesCommandTest -Drecord.histories=true}
 * (only missing files are written).
 */
class ScheduledRunReplayTest {
  @TestFactory
  Stream<DynamicTest> everyRecordedScheduledRunHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll("schedule-histories", ScheduledRunWorkflowImpl.class);
  }
}
