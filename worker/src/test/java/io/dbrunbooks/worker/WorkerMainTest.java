package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerMainTest {
  @TempDir Path dir;

  private String run(int expectedExit, Map<String, String> env, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = new WorkerMain(false).run(args, env, new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, exit, text);
    return text;
  }

  @Test
  void badConfigurationExitsWith2AndTheLoadersMessage() throws Exception {
    Path targets = Files.writeString(dir.resolve("targets.yaml"), "targets:\n  orders:\n    engin: postgres\n");
    String err = run(WorkerMain.EXIT_BAD_CONFIG, Map.of(), "--targets", targets.toString());
    assertEquals(targets + ":3:5: targets.orders.engin: unknown key \"engin\"", err.substring(0, err.indexOf(';')));
  }

  @Test
  void targetsFileFromTheEnvironment() {
    Path missing = dir.resolve("elsewhere.yaml");
    String err = run(WorkerMain.EXIT_BAD_CONFIG, Map.of("RUNBOOKS_TARGETS", missing.toString()));
    assertEquals(missing + ": no such file", err.strip());
  }

  @Test
  void unknownArgumentExitsWith2() {
    assertTrue(run(WorkerMain.EXIT_BAD_CONFIG, Map.of(), "--tragets", "x").startsWith("unknown argument: --tragets"));
  }

  @Test
  void aBadConcurrencyOrDrainPeriodIsRefusedSayingWhatIsAccepted() {
    assertEquals("--backup-concurrency must be a whole number from 1 to 200, got \"0\"",
        run(WorkerMain.EXIT_BAD_CONFIG, Map.of(), "--backup-concurrency", "0").strip());
    assertEquals("RUNBOOKS_RESTORE_CONCURRENCY must be a whole number from 1 to 200, got \"many\"",
        run(WorkerMain.EXIT_BAD_CONFIG, Map.of("RUNBOOKS_RESTORE_CONCURRENCY", "many")).strip());
    assertEquals("--drain-seconds must be a whole number of seconds from 1 to 600, got \"0\"",
        run(WorkerMain.EXIT_BAD_CONFIG, Map.of(), "--drain-seconds=0").strip());
  }
}
