package io.dbrunbooks.activities.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The restore_command runs as the server's user. Under root that is {@code postgres}, who cannot
 * read this JVM's class path in root's Maven repository (/root is 0700): this fixture links (or
 * copies) every class path entry into a directory it can read and returns the WAL fetch program
 * that uses it, as an operator would install the worker jar somewhere readable.
 */
public final class ReadableClasspath {
  private ReadableClasspath() {}

  public static String fetchProgram(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (Path p : classpath()) {
      Path dest = dir.resolve(i++ + "-" + p.getFileName());
      if (Files.isDirectory(p)) {
        copyTree(p, dest);
      } else {
        try {
          Files.createLink(dest, p);
        } catch (FileSystemException crossDevice) {
          Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      entries.add(dest.toString());
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(p -> p.toFile().setReadable(true, false));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return RecoverySettings.shellQuote(java) + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp "
        + RecoverySettings.shellQuote(String.join(":", entries)) + " " + RecoverySettings.WAL_FETCH_MAIN;
  }

  /** java.class.path, with surefire's manifest-only booter jar expanded. */
  private static List<Path> classpath() throws IOException {
    List<Path> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(":")) {
      Path p = Path.of(e);
      if (p.getFileName().toString().startsWith("surefirebooter") && p.toString().endsWith(".jar")) {
        try (JarFile jar = new JarFile(p.toFile())) {
          for (String url : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
            if (!url.isBlank()) {
              out.add(Path.of(URI.create(url)));
            }
          }
        }
      } else if (Files.exists(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      s.forEach(src -> {
        try {
          Path d = to.resolve(from.relativize(src).toString());
          if (Files.isDirectory(src)) {
            Files.createDirectories(d);
          } else {
            Files.copy(src, d, StandardCopyOption.REPLACE_EXISTING);
          }
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      });
    }
  }
}
