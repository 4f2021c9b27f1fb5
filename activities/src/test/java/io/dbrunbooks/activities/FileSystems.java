package io.dbrunbooks.activities;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need root: mounts (tmpfs, ramfs) and file attributes. CI runs as root and must run
 * every test, so there a missing privilege fails; a developer without root may skip these tests.
 */
public final class FileSystems {
  private FileSystems() {}

  public static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  public static void requireRoot(String why) {
    require(isRoot(), why + "; this test runs as root");
  }

  /** Mounts a {@code type} file system at {@code dir} (created when missing) with {@code options} ("" for none). */
  public static void mount(Path dir, String type, String options) throws Exception {
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(List.of("mount", "-t", type));
    if (!options.isEmpty()) {
      cmd.addAll(List.of("-o", options));
    }
    cmd.addAll(List.of(type, dir.toString()));
    Process mount = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean mounted = mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
    require(mounted, "cannot mount a " + type + " here (needs root): " + new String(mount.getInputStream().readAllBytes()));
  }

  public static void unmount(Path dir) throws Exception {
    new ProcessBuilder("umount", dir.toString()).inheritIO().start().waitFor();
  }

  private static void require(boolean ok, String why) {
    if (System.getenv("CI") != null) {
      assertTrue(ok, why);
    } else {
      Assumptions.assumeTrue(ok, why);
    }
  }
}
