package io.dbrunbooks.workflows.walarchive;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/wal-archive-histories/} against the current
 * {@link WalArchiveWorkflowImpl}: the archiver runs for months, so a change that would break the
 * run in flight fails here with a non-determinism error and needs {@code Workflow.getVersion}.
 *
 * <p>The histories come from real runs with real activities (the activities module's
 * WalArchiveWorkflowOnClusterTest). To record them again after a deliberate, versioned change:
 * {@code ./mvnw -B test -pl activities -am -Dtest=WalArchiveWorkflowOnClusterTest
 * -Drecord.histories=true -Dsurefire.failIfNoSpecifiedTests=false}, then commit the JSON files.
 */
class WalArchiveReplayTest {
  static final String DIR = "wal-archive-histories";

  @TestFactory
  Stream<DynamicTest> everyRecordedArchiverHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll(DIR, WalArchiveWorkflowImpl.class);
  }
}
