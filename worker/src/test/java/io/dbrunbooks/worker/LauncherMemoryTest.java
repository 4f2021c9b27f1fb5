package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code runbooks} script at the repository root gives the JVM a heap limit: run from a copy
 * whose jar is up to date (so it builds nothing), with a {@code java} on PATH that prints what it
 * was given.
 */
class LauncherMemoryTest {
  @TempDir Path root;

  private String launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Files.copy(Path.of("..", "runbooks"), root.resolve("runbooks"));
    Files.createDirectories(root.resolve("starter/target"));
    Files.writeString(root.resolve("starter/target/runbooks.jar"), "");
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX $*\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("bash", root.resolve("runbooks").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("RUNBOOKS_JAVA_OPTS");
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("MALLOC_ARENA_MAX");
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, p.waitFor(), out);
    return out.replace(root.toString(), "ROOT");
  }

  @Test
  void theWorkerAndTheDemoGetA1GiBHeapAndExitOnOutOfMemory() throws Exception {
    assertEquals("MALLOC_ARENA_MAX=2 -Xmx1g -XX:+ExitOnOutOfMemoryError -jar ROOT/starter/target/runbooks.jar --targets t.yaml worker",
        launch(Map.of(), "--targets", "t.yaml", "worker"));
  }

  @Test
  void otherCommandsGetASmallHeap() throws Exception {
    assertEquals("MALLOC_ARENA_MAX=2 -Xmx256m -XX:+ExitOnOutOfMemoryError -jar ROOT/starter/target/runbooks.jar --json status backup/orders",
        launch(Map.of(), "--json", "status", "backup/orders"));
  }

  @Test
  void runbooksJavaOptsReplaceTheDefaults() throws Exception {
    assertEquals("MALLOC_ARENA_MAX=4 -Xmx3g -jar ROOT/starter/target/runbooks.jar worker",
        launch(Map.of("RUNBOOKS_JAVA_OPTS", "-Xmx3g", "JAVA_OPTS", "-Xmx9g", "MALLOC_ARENA_MAX", "4"), "worker"));
  }
}
