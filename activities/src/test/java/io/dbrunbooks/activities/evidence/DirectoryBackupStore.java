package io.dbrunbooks.activities.evidence;

import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test-only minimal directory store, so the verifier can be tested before FileBackupStore lands;
 * swap it for FileBackupStore at merge.
 */
final class DirectoryBackupStore implements BackupStore {
  private final Path root;

  DirectoryBackupStore(Path root) {
    this.root = root.toAbsolutePath();
  }

  Path file(String key) {
    return root.resolve(key);
  }

  @Override
  public String uri() {
    return "file:" + root;
  }

  @Override
  public String locationOf(String key) {
    return "file:" + file(key);
  }

  @Override
  public ArtifactUpload create(String key) throws IOException {
    Path target = file(key);
    Files.createDirectories(target.getParent());
    Path part = target.resolveSibling(target.getFileName() + ".part");
    OutputStream out = Files.newOutputStream(part);
    return new ArtifactUpload() {
      boolean committed;

      @Override
      public OutputStream stream() {
        return out;
      }

      @Override
      public void commit() throws IOException {
        out.close();
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
      }

      @Override
      public void close() throws IOException {
        out.close();
        if (!committed) {
          Files.deleteIfExists(part);
        }
      }
    };
  }

  @Override
  public InputStream open(String key) throws IOException {
    return Files.newInputStream(file(key));
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(file(key));
  }

  @Override
  public long size(String key) throws IOException {
    return Files.size(file(key));
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
          .filter(k -> k.startsWith(prefix) && !k.endsWith(".part")).sorted().toList();
    }
  }

  @Override
  public List<String> deletePrefix(String prefix) {
    throw new UnsupportedOperationException("not needed by the evidence tests");
  }

  @Override
  public long freeBytes() {
    return -1;
  }
}
