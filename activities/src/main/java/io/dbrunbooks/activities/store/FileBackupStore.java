package io.dbrunbooks.activities.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A backup store in a local (or mounted) directory. An upload is written to {@code
 * <key>.<token>.partial}, a name unique to that upload, fsynced, then hard-linked to the final name
 * (which fails if that name exists) and unlinked, so a crash leaves at most a {@code .partial} file
 * that readers never see, and a commit never replaces an artifact.
 *
 * <p>Two attempts of one backup can overlap: a worker cut off from Temporal keeps streaming while
 * the server has already started a retry elsewhere. The newest attempt wins: it deletes the
 * backup's prefix and every partial of its key before writing, so the old attempt's commit fails
 * (its partial is gone, or the final name exists) instead of renaming its bytes over the new
 * artifact. An old attempt that committed before the new one started is deleted by it.
 */
public final class FileBackupStore implements BackupStore {
  static final String PARTIAL = ".partial";
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final Path root;

  public FileBackupStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public String uri() {
    return "file:" + root;
  }

  @Override
  public String locationOf(String key) {
    return "file:" + resolve(key);
  }

  @Override
  public ArtifactUpload create(String key) throws IOException {
    Path target = resolve(key);
    Files.createDirectories(target.getParent());
    // Newest attempt wins: every earlier upload of this key, finished or not, loses its partial.
    for (Path stale : partialsOf(target)) {
      Files.deleteIfExists(stale);
    }
    byte[] token = new byte[8];
    RANDOM.nextBytes(token);
    Path partial = target.resolveSibling(target.getFileName() + "." + java.util.HexFormat.of().formatHex(token) + PARTIAL);
    FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new Upload(channel, partial, target, key, root);
  }

  /** Partials of {@code target} left by any upload: {@code <name>.<token>.partial}, and the older {@code <name>.partial}. */
  private static List<Path> partialsOf(Path target) throws IOException {
    String name = target.getFileName().toString();
    List<Path> found = new ArrayList<>();
    try (var dir = Files.newDirectoryStream(target.getParent())) {
      for (Path p : dir) {
        String n = p.getFileName().toString();
        if (n.equals(name + PARTIAL) || (n.startsWith(name + ".") && n.endsWith(PARTIAL)
            && n.substring(name.length() + 1, n.length() - PARTIAL.length()).matches("[0-9a-f]{16}"))) {
          found.add(p);
        }
      }
    }
    return found;
  }

  @Override
  public InputStream open(String key) throws IOException {
    return Files.newInputStream(resolve(key));
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(resolve(key));
  }

  @Override
  public long size(String key) throws IOException {
    return Files.size(resolve(key));
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    for (Path p : filesUnder(prefix)) {
      String k = keyOf(p);
      if (!k.endsWith(PARTIAL)) {
        keys.add(k);
      }
    }
    return keys;
  }

  @Override
  public List<String> deletePrefix(String prefix) throws IOException {
    List<String> removed = new ArrayList<>();
    for (Path p : filesUnder(prefix)) {
      if (Files.deleteIfExists(p)) {
        removed.add("file:" + p);
      }
    }
    removeEmptyDirectories(prefix);
    return removed;
  }

  @Override
  public void probeWrite(String key) throws IOException {
    // An upload that is never committed: the write reaches the disk, then the partial is removed.
    try (ArtifactUpload probe = create(key)) {
      probe.stream().write(0);
      probe.stream().flush();
    }
  }

  @Override
  public long freeBytes() throws IOException {
    Files.createDirectories(root);
    return Files.getFileStore(root).getUsableSpace();
  }

  /** Committed and partial files whose key starts with {@code prefix}, sorted. */
  private List<Path> filesUnder(String prefix) throws IOException {
    RelativeKeys.checkPrefix("artifact key", prefix);
    // Walk from the deepest directory the prefix names, not the whole store.
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(start)) {
      return s.filter(Files::isRegularFile).filter(p -> keyOf(p).startsWith(prefix)).sorted().toList();
    }
  }

  private void removeEmptyDirectories(String prefix) throws IOException {
    int slash = prefix.lastIndexOf('/');
    if (slash < 0) {
      return;
    }
    Path dir = root.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      // Directories only: a prefix that ends inside a directory name (a key, or "orders/wal/0001-")
      // must not take the directory's other files with it.
      for (Path p : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException ignored) {
          // Something else lives there; it was not ours to remove.
        }
      }
    }
  }

  private String keyOf(Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  private Path resolve(String key) {
    RelativeKeys.check("artifact key", key, false);
    if (key.endsWith(PARTIAL)) {
      throw new IllegalArgumentException("invalid artifact key '" + key + "': the " + PARTIAL + " suffix is reserved");
    }
    return root.resolve(key);
  }

  private static final class Upload implements ArtifactUpload {
    private final FileChannel channel;
    private final Path partial;
    private final Path target;
    private final String key;
    private final Path root;
    private final OutputStream stream;
    private boolean committed;

    Upload(FileChannel channel, Path partial, Path target, String key, Path root) {
      this.root = root;
      this.channel = channel;
      this.partial = partial;
      this.target = target;
      this.key = key;
      this.stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20) {
        @Override
        public void close() throws IOException {
          // The channel stays open until commit() has forced it to disk.
          flush();
        }
      };
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    @Override
    public void commit() throws IOException {
      stream.flush();
      channel.force(true);
      channel.close();
      publish();
      // The new name is durable only once its directory entry is synced, and so on up to the
      // store's root: create() may have made those directories just now (a WAL archive starts a
      // new one every 4 GB), and the archiver tells PostgreSQL the WAL is safe right after this.
      for (Path dir = target.getParent(); dir != null && dir.startsWith(root); dir = dir.getParent()) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
          d.force(true);
        }
      }
      committed = true;
    }

    /** Gives the partial its final name without ever replacing an artifact that is already there. */
    private void publish() throws IOException {
      try {
        Files.createLink(target, partial);
      } catch (FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(target.toString(), partial.toString(), "artifact " + key
            + " already exists and a commit never replaces one (a newer attempt of this backup committed first)");
      } catch (NoSuchFileException e) {
        throw new NoSuchFileException(partial.toString(), target.toString(), "this upload of " + key
            + " was superseded: a newer upload of the same key discarded its partial file");
      } catch (UnsupportedOperationException | FileSystemException e) {
        // A file system without hard links: a plain move, which refuses an existing target (checked
        // just before the rename, so not atomic against a concurrent commit).
        if (e instanceof java.nio.file.AccessDeniedException ade) {
          throw ade;
        }
        try {
          Files.move(partial, target);
        } catch (NoSuchFileException gone) {
          throw new NoSuchFileException(partial.toString(), target.toString(), "this upload of " + key
              + " was superseded: a newer upload of the same key discarded its partial file");
        }
        return;
      }
      Files.delete(partial);
    }

    @Override
    public void close() throws IOException {
      if (committed) {
        return;
      }
      try {
        channel.close();
      } finally {
        try {
          Files.deleteIfExists(partial);
        } catch (NoSuchFileException ignored) {
          // already gone
        }
      }
    }
  }
}
