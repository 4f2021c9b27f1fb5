package io.dbrunbooks.activities.evidence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The Linux immutable attribute ({@code chattr +i}): a file that carries it cannot be written,
 * replaced, renamed, linked to or deleted, by root included, until someone with
 * CAP_LINUX_IMMUTABLE removes it ({@code chattr -i}). Set with the {@code chattr} tool (e2fsprogs),
 * as Java has no call for the FS_IOC_SETFLAGS ioctl.
 */
final class ImmutableFlag {
  private ImmutableFlag() {}

  /** Sets the attribute on {@code file}; setting it again is harmless. */
  static void set(Path file) throws IOException {
    chattr("+i", file);
  }

  /**
   * Why {@code chattr +i} cannot protect files in {@code dir} (created when missing), or null when
   * it can: a probe file gets the attribute, must then refuse a write, and is removed again.
   */
  static String unsupportedIn(Path dir) {
    Path probe = null;
    try {
      Files.createDirectories(dir);
      probe = Files.createTempFile(dir, ".immutable-probe-", ".tmp");
      try {
        chattr("+i", probe);
      } catch (IOException e) {
        return e.getMessage();
      }
      try {
        Files.write(probe, "x".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        return "a file in " + dir + " marked with chattr +i could still be written";
      } catch (FileSystemException refused) {
        return null;
      } finally {
        chattr("-i", probe);
      }
    } catch (IOException e) {
      return e.getMessage();
    } finally {
      if (probe != null) {
        try {
          Files.deleteIfExists(probe);
        } catch (IOException ignored) {
          // the probe is a hidden temp file, never listed as evidence
        }
      }
    }
  }

  private static void chattr(String flag, Path file) throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(List.of("chattr", flag, file.toString())).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run chattr (Debian package e2fsprogs): " + e.getMessage(), e);
    }
    try {
      boolean done = p.waitFor(30, TimeUnit.SECONDS);
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!done) {
        p.destroyForcibly();
        throw new IOException("chattr " + flag + " " + file + " did not finish within 30 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException("chattr " + flag + " " + file + " failed" + (output.isEmpty() ? " (exit " + p.exitValue() + ")" : ": " + output));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running chattr " + flag + " " + file, e);
    }
  }
}
