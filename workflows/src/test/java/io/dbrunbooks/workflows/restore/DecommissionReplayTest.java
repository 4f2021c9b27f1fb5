package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/decommission-histories/} against the current
 * {@link BlueDecommissionWorkflowImpl}: blue may be kept for weeks, so its decommission runs are the
 * longest in flight of all. The histories come from the worker's end-to-end test ({@code ./mvnw -B
 * verify -pl worker -am -Drecord.histories=true}); a missing file is recorded, an existing one never replaced.
 */
class DecommissionReplayTest {
  @TestFactory
  Stream<DynamicTest> everyRecordedDecommissionHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll("decommission-histories", BlueDecommissionWorkflowImpl.class);
  }
}
