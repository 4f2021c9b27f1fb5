package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/drill-histories/} against the current
 * {@link RestoreDrillWorkflowImpl}: a change that would break drills in flight fails here with a
 * non-determinism error and needs {@code Workflow.getVersion}, not a re-recording.
 *
 * <p>The histories come from real drills (the activities module's DrillOnClusterTest). To record them
 * again: {@code ./mvnw -B test -pl activities -am -Dtest=DrillOnClusterTest -Drecord.histories=true}.
 */
class DrillReplayTest {
  @TestFactory
  Stream<DynamicTest> everyRecordedDrillHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll("drill-histories", RestoreDrillWorkflowImpl.class);
  }
}
