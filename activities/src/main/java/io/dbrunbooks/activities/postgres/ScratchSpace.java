package io.dbrunbooks.activities.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The worker's scratch directory, where verification extracts a physical backup in full before
 * pg_verifybackup reads it: {@value #ENV} if set, else {@code java.io.tmpdir} (often a small tmpfs,
 * hence the variable). Needs room for the whole cluster plus the WAL the backup carries.
 */
public class ScratchSpace {
  public static final String ENV = "RUNBOOKS_SCRATCH_DIR";

  private final Path dir;

  public ScratchSpace(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** {@value #ENV}, else {@code java.io.tmpdir}. */
  public static ScratchSpace fromEnvironment() {
    String env = System.getenv(ENV);
    return new ScratchSpace(Path.of(env != null && !env.isBlank() ? env : System.getProperty("java.io.tmpdir")));
  }

  public Path dir() {
    return dir;
  }

  /** Usable bytes on the scratch directory's volume (creating the directory if needed). */
  public long freeBytes() throws IOException {
    Files.createDirectories(dir);
    return Files.getFileStore(dir).getUsableSpace();
  }

  /**
   * Bytes an extracted physical backup of a cluster of {@code clusterBytes} needs: the data, the WAL
   * fetched with it (at least a few segments) and some slack: an eighth more plus 128 MiB.
   */
  static long neededFor(long clusterBytes) {
    return clusterBytes + clusterBytes / 8 + (128L << 20);
  }

  /** What to tell an operator whose scratch space is too small. */
  String guidance() {
    return "set " + ENV + " to a directory on a volume with room for an extracted copy of the cluster"
        + " (it defaults to java.io.tmpdir, often a small tmpfs), or free space in " + dir;
  }

  static boolean isOutOfSpace(String text) {
    return text != null && (text.contains("No space left on device") || text.contains("ENOSPC"));
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
