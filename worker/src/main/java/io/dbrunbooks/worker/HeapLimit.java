package io.dbrunbooks.worker;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether the JVM was given a heap limit. A jar cannot set its own; without one the JVM lets the
 * heap grow to a quarter of the machine's memory and rarely gives it back, so a worker whose live
 * heap is a few hundred MB ends up holding gigabytes. The {@code runbooks} script passes one; a
 * plain {@code java -jar} gets a warning that says how.
 */
final class HeapLimit {
  private HeapLimit() {}

  /** The JVM options that bound the heap, directly or as a share of the machine's memory. */
  private static final List<String> LIMITING = List.of(
      "-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAMPercentage=", "-XX:MaxRAMFraction=", "-XX:MaxRAM=");

  /** True when {@code jvmArguments} (the JVM's input arguments, JAVA_TOOL_OPTIONS included) bound the heap. */
  static boolean isSet(List<String> jvmArguments) {
    return jvmArguments.stream().anyMatch(a -> LIMITING.stream().anyMatch(a::startsWith));
  }

  /** The warning to log when nothing bounds the heap, else empty. */
  static Optional<String> warning(List<String> jvmArguments, long maxHeapBytes) {
    if (isSet(jvmArguments)) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT,
        "no heap limit given: this JVM may grow its heap to %.1f GiB (a quarter of the machine's memory) and keep it;"
            + " start the worker with one, e.g. java -Xmx1g -XX:+ExitOnOutOfMemoryError -jar db-runbooks-worker.jar,"
            + " or JAVA_TOOL_OPTIONS=-Xmx1g (./runbooks worker sets -Xmx1g itself; sizing in docs/operations.md, \"Memory and sizing\")",
        maxHeapBytes / (double) (1L << 30)));
  }
}
