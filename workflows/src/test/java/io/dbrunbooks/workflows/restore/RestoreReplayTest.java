package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/restore-histories/} against the current
 * {@link PointInTimeRestoreWorkflowImpl}: a change that would break restores in flight fails here
 * with a non-determinism error and needs {@code Workflow.getVersion}, not a re-recording.
 *
 * <p>The histories come from real runs with real activities (the activities module's
 * PointInTimeRestoreTest). To record them again after a deliberate, versioned change: {@code
 * ./mvnw -B test -pl activities -am -Dtest=PointInTimeRestoreTest -Drecord.histories=true}, then
 * commit the JSON files.
 */
class RestoreReplayTest {
  static final String DIR = "restore-histories";

  @TestFactory
  Stream<DynamicTest> everyRecordedRestoreHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll(DIR, PointInTimeRestoreWorkflowImpl.class);
  }
}
