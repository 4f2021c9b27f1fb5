package io.dbrunbooks.workflows.walarchive;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/walarchive-histories/}, recorded on {@code
 * temporal server start-dev} by the worker's end-to-end test, against the current {@link
 * WalArchiveWorkflowImpl}. An archiver runs for weeks: a change that breaks the one in flight fails
 * here and needs {@code Workflow.getVersion}. Record with {@code ./mvnw -B verify -pl worker -am
 * -Drecord.histories=true} (only missing files are written). {@code cluster-test-*.json} comes from
 * the activities module's WalArchiveWorkflowOnClusterTest (real activities on the test server):
 * {@code ./mvnw -B test -pl activities -am -Dtest=WalArchiveWorkflowOnClusterTest
 * -Drecord.histories=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class WalArchiveReplayTest {
  @TestFactory
  Stream<DynamicTest> everyRecordedArchiverHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll("walarchive-histories", WalArchiveWorkflowImpl.class);
  }
}
