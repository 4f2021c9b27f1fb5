package io.dbrunbooks.activities.evidence;

import io.dbrunbooks.activities.store.RelativeKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An evidence registry in a local directory: each entry is written once and then made read-only.
 *
 * <p>Write protocol: the bytes go to a hidden temp file in the target directory and are fsynced;
 * the final name is then created with {@code link(2)}, which fails atomically when the name exists.
 * Unlike {@code Files.move} without REPLACE_EXISTING (check, then {@code rename(2)}, which replaces
 * whatever appeared in between), no interleaving of two writers can replace an entry. The entry is
 * then chmod 0444 and the directory fsynced so the new name survives a power cut.
 *
 * <p>Mode 0444 protects against mistakes and retries, not a local root user, who can overwrite such a
 * file with a plain {@code cp}. With {@code immutable} each entry also gets the immutable attribute
 * ({@code chattr +i}, for workers running as root): then root's {@code cp}, {@code rm} and {@code mv}
 * fail too, until someone with root removes the attribute ({@code chattr -i}) first, which a
 * deliberate attacker with root can do. S3 Object Lock in compliance mode is the registry for
 * tamper resistance. Tampering is still detected: manifests are signed and audit entries
 * hash-chained.
 */
public final class FileEvidenceRegistry implements EvidenceRegistry {

  private static final String TMP_PREFIX = ".tmp-";

  private final Path root;
  private final boolean immutable;

  public FileEvidenceRegistry(Path root) {
    this(root, false);
  }

  /**
   * @param immutable each entry also gets {@code chattr +i} once written; check the file system with
   *     {@link #immutableUnsupported} first (the targets file loader does)
   */
  public FileEvidenceRegistry(Path root, boolean immutable) {
    this.root = root.toAbsolutePath().normalize();
    this.immutable = immutable;
  }

  /**
   * Why entries under {@code root} cannot be made immutable (not root, a file system without the
   * attribute, no {@code chattr}), or null when they can. Creates {@code root} when missing.
   */
  public static String immutableUnsupported(Path root) {
    return ImmutableFlag.unsupportedIn(root.toAbsolutePath().normalize());
  }

  public boolean immutable() {
    return immutable;
  }

  public Path root() {
    return root;
  }

  @Override
  public String uri() {
    return "file:" + root;
  }

  @Override
  public String locationOf(String path) {
    return "file:" + resolve(path);
  }

  @Override
  public boolean putOnce(String path, byte[] content) throws IOException {
    Path target = resolve(path);
    Path dir = target.getParent();
    Files.createDirectories(dir);
    if (Files.exists(target)) {
      return sameAsExisting(path, target, content);
    }
    Path tmp = Files.createTempFile(dir, TMP_PREFIX, ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException raced) {
        return sameAsExisting(path, target, content);
      } catch (UnsupportedOperationException e) {
        throw new IOException("evidence registry " + root + " is on a file system without hard links; "
            + "write-once needs them (link(2) is the only no-replace create)", e);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    seal(target);
    fsyncDirectory(dir);
    return true;
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(resolve(path)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Registry paths (slash-separated) starting with {@code prefix}; temp files are never listed. */
  @Override
  public List<String> list(String prefix) throws IOException {
    String dirPart = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "";
    Path dir = dirPart.isEmpty() ? root : resolve(dirPart);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .map(p -> root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/"))
          .filter(p -> p.startsWith(prefix))
          .sorted()
          .toList();
    }
  }

  /** A retry writing the same bytes is fine, and also finishes a chmod or chattr an earlier crash missed. */
  private boolean sameAsExisting(String path, Path target, byte[] content) throws IOException {
    if (!Arrays.equals(Files.readAllBytes(target), content)) {
      throw new EvidenceConflictException(locationOf(path));
    }
    seal(target);
    return false;
  }

  /** Mode 0444, then the immutable attribute when configured (after which not even chmod works). */
  private void seal(Path file) throws IOException {
    makeReadOnly(file);
    if (immutable) {
      ImmutableFlag.set(file);
    }
  }

  /**
   * Relative, slash-separated, no {@code .}/{@code ..}/empty segments and no segment starting with
   * a dot (the namespace of temp files), so a path can never leave the root or hit a temp file.
   */
  Path resolve(String path) {
    RelativeKeys.check("evidence path", path, true);
    Path p = root.resolve(path).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("invalid evidence path '" + path + "': resolves outside " + root);
    }
    return p;
  }

  private static void makeReadOnly(Path file) throws IOException {
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      Set<PosixFilePermission> readOnly = PosixFilePermissions.fromString("r--r--r--");
      if (!Files.getPosixFilePermissions(file).equals(readOnly)) { // an immutable file refuses even a chmod to the same mode
        Files.setPosixFilePermissions(file, readOnly);
      }
    } else {
      file.toFile().setReadOnly();
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; the entry itself is already durable.
    }
  }
}
