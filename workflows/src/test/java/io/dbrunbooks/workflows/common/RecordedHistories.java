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
    return files.stream().map(name -> DynamicTest.dynamicTest(name,
        () -> WorkflowReplayer.replayWorkflowExecutionFromResource(dir + "/" + name, workflowImpl)));
  }
}
