package io.dbrunbooks.workflows.restore;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.temporal.testing.WorkflowReplayer;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    URL url = RestoreReplayTest.class.getClassLoader().getResource(DIR);
    assertNotNull(url, "no " + DIR + "/ on the test classpath");
    List<String> files;
    try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no recorded histories in " + url);
    return files.stream().map(name -> DynamicTest.dynamicTest(name,
        () -> WorkflowReplayer.replayWorkflowExecutionFromResource(DIR + "/" + name, PointInTimeRestoreWorkflowImpl.class)));
  }
}
