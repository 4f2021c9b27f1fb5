package io.dbrunbooks.activities.store;

import java.io.IOException;
import java.io.OutputStream;

/** An upload in progress; see {@link BackupStore#create}. */
public interface ArtifactUpload extends AutoCloseable {

  OutputStream stream();

  /**
   * Makes the artifact visible atomically, after flushing it to durable storage. Never replaces an
   * existing artifact: fails ({@link java.nio.file.FileAlreadyExistsException}) if {@code key}
   * exists, or ({@link java.nio.file.NoSuchFileException}) if a newer upload of the key discarded
   * this one.
   */
  void commit() throws IOException;

  /** Aborts and removes the partial artifact unless {@link #commit()} succeeded. */
  @Override
  void close() throws IOException;
}
