package io.dbrunbooks.workflows.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.temporal.testing.WorkflowReplayer;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** One dynamic test per recorded history (JSON) in a test-resources directory, replayed against a workflow implementation. */
public final class RecordedHistories {
  private RecordedHistories() {}

  public static Stream<DynamicTest> replayAll(String dir, Class<?> workflowImpl) throws Exception {
    URL url = RecordedHistories.class.getClassLoader().getResource(dir);
    assertNotNull(url, "no " + dir + "/ on the test classpath");
    List<String> files;
    try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no recorded histories in " + url);
    RunbookInput.prepare(); // as a worker does before it polls
    return files.stream().map(name -> DynamicTest.dynamicTest(name, () -> replay(dir + "/" + name, workflowImpl)));
  }

  /**
   * Replays once more when the SDK's one-second deadlock detector fired: on a loaded machine the
   * first replay in a JVM can spend that long loading classes. Non-determinism fails both times.
   */
  private static void replay(String resource, Class<?> workflowImpl) throws Exception {
    try {
      WorkflowReplayer.replayWorkflowExecutionFromResource(resource, workflowImpl);
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof io.temporal.internal.sync.PotentialDeadlockException) {
          WorkflowReplayer.replayWorkflowExecutionFromResource(resource, workflowImpl);
          return;
        }
      }
      throw e;
    }
  }
}
