package io.dbrunbooks.workflows.retention;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/retention-histories/}, recorded on {@code
 * temporal server start-dev} by the worker's end-to-end test (a run after a backup that expired
 * older backups, and a dry run), against the current {@link RetentionWorkflowImpl}. Record with
 * {@code ./mvnw -B verify -pl worker -am -Drecord.histories=true} (only missing files are written).
 */
class RetentionReplayTest {
  @TestFactory
  Stream<DynamicTest> everyRecordedRetentionHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll("retention-histories", RetentionWorkflowImpl.class);
  }
}
