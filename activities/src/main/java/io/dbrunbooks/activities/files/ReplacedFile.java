package io.dbrunbooks.activities.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.UUID;

/**
 * Rewrites a configuration file that another program reads (PgBouncer's databases file, a
 * PostgreSQL data directory's {@code postgresql.auto.conf}) so that the program sees the old
 * content or the new, never half of it, and can still read it: the worker may be root while the
 * file belongs to the program's own user.
 */
public final class ReplacedFile {
  /** Temp files are {@code .<name>.<uuid>.runbooks-tmp} beside the file. */
  public static final String TEMP_SUFFIX = ".runbooks-tmp";

  private ReplacedFile() {}

  /**
   * Write beside, fsync, same owner and mode as the file it replaces, rename over, fsync the
   * directory. A temp file left by a crash is removed first. Fails with {@link
   * java.nio.file.AtomicMoveNotSupportedException} where the rename cannot be atomic, and when the
   * file belongs to another user and we are not root (it would change hands).
   */
  public static void replace(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    removeStaleTemps(dir, file.getFileName().toString());
    Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      if (Files.exists(file)) {
        copyOwnerAndMode(file, tmp);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** The reading program runs as its own user and must still read the file; the mode keeps others out as before. */
  private static void copyOwnerAndMode(Path from, Path to) throws IOException {
    PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
    PosixFileAttributeView dst = Files.getFileAttributeView(to, PosixFileAttributeView.class);
    if (src == null || dst == null) {
      return;
    }
    PosixFileAttributes a = src.readAttributes();
    dst.setPermissions(a.permissions());
    if (!a.owner().equals(dst.readAttributes().owner())) {
      dst.setOwner(a.owner()); // fails unless root: then the file would change hands, so refuse
    }
    if (!a.group().equals(dst.readAttributes().group())) {
      try {
        dst.setGroup(a.group());
      } catch (IOException e) {
        // a group we are not in: the mode still applies, and owner plus others decide the reader's access
      }
    }
  }

  /** A crash between writing and renaming leaves a temp file; the next rewrite clears it. */
  private static void removeStaleTemps(Path dir, String name) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "." + name + ".*" + TEMP_SUFFIX)) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    }
  }
}
