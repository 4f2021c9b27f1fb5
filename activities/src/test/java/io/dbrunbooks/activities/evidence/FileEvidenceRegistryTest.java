package io.dbrunbooks.activities.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.FileSystems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEvidenceRegistryTest {

  @TempDir Path dir;

  /** Immutable entries would stop JUnit from removing the temp directory. */
  @AfterEach
  void clearImmutable() throws Exception {
    if (FileSystems.isRoot()) {
      new ProcessBuilder("chattr", "-R", "-i", dir.toString()).inheritIO().start().waitFor();
    }
  }

  /** A plain {@code cp FROM TO} as the test's user; its exit status. */
  private static int cp(Path from, Path to) throws Exception {
    return new ProcessBuilder("cp", from.toString(), to.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
  }

  private static String lsattr(Path file) throws Exception {
    Process p = new ProcessBuilder("lsattr", "-d", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.split(" ", 2)[0];
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesOnceAndMakesTheEntryReadOnly() throws Exception {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    assertTrue(reg.putOnce("orders/backups/b1/manifest.jws", utf8("sealed")));

    Path file = dir.resolve("orders/backups/b1/manifest.jws");
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertArrayEquals(utf8("sealed"), reg.get("orders/backups/b1/manifest.jws").orElseThrow());
    assertEquals("file:" + file, reg.locationOf("orders/backups/b1/manifest.jws"));
    assertEquals("file:" + dir, reg.uri());
  }

  /** The finding: mode 0444 alone does not stop root. Unchanged without the option, and documented. */
  @Test
  void withoutTheImmutableOptionRootCanStillOverwriteASealedEntry() throws Exception {
    FileSystems.requireRoot("root's overwrite of a 0444 file");
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    reg.putOnce("o/backups/b1/manifest.jws", utf8("sealed"));
    Path file = dir.resolve("o/backups/b1/manifest.jws");
    assertFalse(lsattr(file).contains("i"), lsattr(file));
    Path forged = Files.writeString(dir.resolve("forged"), "forged");

    assertEquals(0, cp(forged, file), "root overwrites a mode 0444 file");
    assertArrayEquals(utf8("forged"), Files.readAllBytes(file));
  }

  @Test
  void anImmutableEntryRefusesRootsPlainOverwriteRenameAndDelete() throws Exception {
    FileSystems.requireRoot("chattr +i needs root (CAP_LINUX_IMMUTABLE)");
    assertEquals(null, FileEvidenceRegistry.immutableUnsupported(dir), "the test directory's file system takes chattr +i");
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir, true);
    assertTrue(reg.putOnce("o/backups/b1/manifest.jws", utf8("sealed")));
    Path file = dir.resolve("o/backups/b1/manifest.jws");
    assertTrue(lsattr(file).contains("i"), lsattr(file));
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Path forged = Files.writeString(dir.resolve("forged"), "forged");

    assertTrue(cp(forged, file) != 0, "cp over an immutable entry fails, for root too");
    assertThrows(java.nio.file.FileSystemException.class, () -> Files.delete(file));
    assertThrows(java.nio.file.FileSystemException.class, () -> Files.move(forged, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
    assertArrayEquals(utf8("sealed"), Files.readAllBytes(file));

    // A retried activity writing the same bytes is still accepted (no chmod on the immutable file), different bytes refused.
    assertFalse(reg.putOnce("o/backups/b1/manifest.jws", utf8("sealed")));
    assertThrows(EvidenceConflictException.class, () -> reg.putOnce("o/backups/b1/manifest.jws", utf8("other")));
    assertEquals(List.of("o/backups/b1/manifest.jws"), reg.list("o/"), "no probe or temp file is listed");
  }

  /** An entry written before a crash skipped its chattr gets it on the retry. */
  @Test
  void aRetryFinishesTheImmutableAttributeACrashMissed() throws Exception {
    FileSystems.requireRoot("chattr +i needs root (CAP_LINUX_IMMUTABLE)");
    new FileEvidenceRegistry(dir).putOnce("o/audit/00000001.json", utf8("one"));
    Path file = dir.resolve("o/audit/00000001.json");
    assertFalse(lsattr(file).contains("i"), lsattr(file));

    assertFalse(new FileEvidenceRegistry(dir, true).putOnce("o/audit/00000001.json", utf8("one")));
    assertTrue(lsattr(file).contains("i"), lsattr(file));
  }

  @Test
  void identicalRetryIsAcceptedDifferentContentIsRefused() throws Exception {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    reg.putOnce("c/audit/00000001.json", utf8("one"));

    assertFalse(reg.putOnce("c/audit/00000001.json", utf8("one")));
    EvidenceConflictException e = assertThrows(EvidenceConflictException.class, () -> reg.putOnce("c/audit/00000001.json", utf8("two")));
    assertTrue(e.getMessage().contains(dir.resolve("c/audit/00000001.json").toString()), e.getMessage());
    assertArrayEquals(utf8("one"), reg.get("c/audit/00000001.json").orElseThrow());
  }

  @Test
  void racingWritersNeverReplaceEachOther() throws Exception {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 20; round++) {
        String path = "race/" + round;
        List<Callable<Boolean>> writers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
          byte[] content = utf8("writer-" + w);
          writers.add(() -> {
            try {
              return reg.putOnce(path, content);
            } catch (EvidenceConflictException e) {
              return false;
            }
          });
        }
        int created = 0;
        for (Future<Boolean> f : pool.invokeAll(writers)) {
          created += f.get() ? 1 : 0;
        }
        assertEquals(1, created, "exactly one writer creates " + path);
      }
    } finally {
      pool.shutdownNow();
    }
    try (var files = Files.walk(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temp files left");
    }
  }

  @Test
  void refusesPathsThatEscapeTheRoot() {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    for (String bad : List.of("../x", "/etc/passwd", "a/../../x", "a//b", "a/./b", "", "a/.tmp-1.part", "a\\b")) {
      assertThrows(IllegalArgumentException.class, () -> reg.putOnce(bad, utf8("x")), bad);
    }
  }

  @Test
  void listsSortedPathsUnderAPrefixAndMissingEntriesAreEmpty() throws Exception {
    FileEvidenceRegistry reg = new FileEvidenceRegistry(dir);
    reg.putOnce("o/backups/b1/audit/00000002.json", utf8("2"));
    reg.putOnce("o/backups/b1/audit/00000001.json", utf8("1"));
    reg.putOnce("o/backups/b1/manifest.jws", utf8("m"));
    reg.putOnce("o/backups/b2/manifest.jws", utf8("m"));

    assertEquals(List.of("o/backups/b1/audit/00000001.json", "o/backups/b1/audit/00000002.json"), reg.list("o/backups/b1/audit/"));
    assertEquals(List.of("o/backups/b1/manifest.jws", "o/backups/b2/manifest.jws"),
        reg.list("o/backups/").stream().filter(p -> p.endsWith(".jws")).toList());
    assertEquals(List.of(), reg.list("nothing/here/"));
    assertEquals(Optional.empty(), reg.get("o/backups/b3/manifest.jws"));
  }
}
