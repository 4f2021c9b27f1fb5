package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeapLimitTest {
  @Test
  void noLimitAmongTheJvmArgumentsIsWarnedAboutWithTheFix() {
    Optional<String> warning = HeapLimit.warning(List.of("-Dfile.encoding=UTF-8", "-XX:+UseG1GC"), 4L << 30);
    assertTrue(warning.isPresent());
    assertTrue(warning.get().startsWith("no heap limit given: this JVM may grow its heap to 4.0 GiB"), warning.get());
    assertTrue(warning.get().contains("java -Xmx1g -XX:+ExitOnOutOfMemoryError -jar db-runbooks-worker.jar"), warning.get());
  }

  @Test
  void everyWayOfBoundingTheHeapSilencesIt() {
    for (String arg : List.of("-Xmx512m", "-XX:MaxHeapSize=1g", "-XX:MaxRAMPercentage=25.0", "-XX:MaxRAMFraction=4",
        "-XX:MaxRAM=2g")) {
      assertEquals(Optional.empty(), HeapLimit.warning(List.of("-Dx=1", arg), 1L << 30), arg);
    }
  }
}
