package io.dbrunbooks.activities.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where backup artifacts live. Keys are relative, slash-separated paths such as
 * {@code orders/orders-20261121T104107Z-3fa2c1/base.tar.zst.aes}.
 *
 * <p>An artifact becomes visible only when its upload is committed: a crash mid-upload leaves at
 * most a partial object that {@link #open}, {@link #exists} and {@link #list} do not see, and that
 * {@link #deletePrefix} removes.
 */
public interface BackupStore {

  /** The configured URI, e.g. {@code file:/var/lib/db-runbooks/backups}. */
  String uri();

  /** URI of one artifact, for manifests and messages. */
  String locationOf(String key);

  /**
   * Starts writing {@code key}, discarding any partial upload of the same key left by an earlier
   * attempt (the newest upload wins). The caller writes to {@link ArtifactUpload#stream()} and calls
   * {@link ArtifactUpload#commit()}; closing without commit aborts. An upload's partial is its own
   * (e.g. {@code <key>.<token>.partial}): aborting removes only that one, and a superseded upload's
   * commit fails rather than overwrite the newer upload's artifact.
   */
  ArtifactUpload create(String key) throws IOException;

  /** Opens a committed artifact. @throws java.nio.file.NoSuchFileException when there is none */
  InputStream open(String key) throws IOException;

  boolean exists(String key) throws IOException;

  /** Size in bytes of a committed artifact. */
  long size(String key) throws IOException;

  /** Committed keys under {@code prefix}, sorted. */
  List<String> list(String prefix) throws IOException;

  /** Deletes everything under {@code prefix}, committed or partial; returns the locations removed. */
  List<String> deletePrefix(String prefix) throws IOException;

  /**
   * Proves the store accepts a write now (permissions, a read-only mount, a bucket policy) by
   * writing a tiny object at {@code key} and removing it again. Leaves nothing behind.
   */
  void probeWrite(String key) throws IOException;

  /** Free bytes at the destination, or -1 when the store has no meaningful limit. */
  long freeBytes() throws IOException;
}
