package io.dbrunbooks.activities.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A backup store in a local (or mounted) directory. An upload is written to {@code <key>.partial},
 * fsynced, then renamed into place, so a crash leaves at most a {@code .partial} file that readers
 * never see.
 */
public final class FileBackupStore implements BackupStore {
  static final String PARTIAL = ".partial";

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
    Path partial = partialOf(target);
    Files.createDirectories(target.getParent());
    Files.deleteIfExists(partial);
    FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new Upload(channel, partial, target);
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
  public long freeBytes() throws IOException {
    Files.createDirectories(root);
    return Files.getFileStore(root).getUsableSpace();
  }

  /** Committed and partial files whose key starts with {@code prefix}, sorted. */
  private List<Path> filesUnder(String prefix) throws IOException {
    if (!prefix.isEmpty()) {
      validate(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    }
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
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
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
    validate(key);
    if (key.endsWith(PARTIAL)) {
      throw new IllegalArgumentException("invalid artifact key '" + key + "': the " + PARTIAL + " suffix is reserved");
    }
    return root.resolve(key);
  }

  static void validate(String key) {
    if (key.isEmpty() || key.startsWith("/") || key.contains("\\") || key.contains("\0")) {
      throw new IllegalArgumentException("invalid artifact key '" + key + "': must be a relative slash-separated path");
    }
    for (String part : key.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("invalid artifact key '" + key + "': empty, '.' or '..' segment");
      }
    }
  }

  private static Path partialOf(Path target) {
    return target.resolveSibling(target.getFileName() + PARTIAL);
  }

  private static final class Upload implements ArtifactUpload {
    private final FileChannel channel;
    private final Path partial;
    private final Path target;
    private final OutputStream stream;
    private boolean committed;

    Upload(FileChannel channel, Path partial, Path target) {
      this.channel = channel;
      this.partial = partial;
      this.target = target;
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
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // The rename itself is durable only once the directory entry is synced.
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      }
      committed = true;
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
