package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.RecordedHistories;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every history in {@code src/test/resources/histories/} — recorded from real runs on
 * {@code temporal server start-dev} by the worker's end-to-end test — against the current {@link
 * BackupWorkflowImpl}. A change that would break runs already in flight (reordered, added or
 * removed activity calls, timers, search-attribute upserts...) fails here with a
 * non-determinism error. Such a change needs {@code Workflow.getVersion}, not a re-recording.
 *
 * <p>To record new histories (for a new path through the workflow, or after a deliberate,
 * versioned change): {@code ./mvnw -B verify -pl worker -am -Drecord.histories=true}, then commit
 * the JSON files. Only missing files are written: the histories recorded by older code are what
 * prove that runs in flight still replay (e.g. backups from before retention existed).
 */
class BackupReplayTest {
  static final String DIR = "histories";

  @TestFactory
  Stream<DynamicTest> everyRecordedHistoryReplaysDeterministically() throws Exception {
    return RecordedHistories.replayAll(DIR, BackupWorkflowImpl.class);
  }
}
