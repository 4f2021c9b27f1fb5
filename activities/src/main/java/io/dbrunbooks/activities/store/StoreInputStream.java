package io.dbrunbooks.activities.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An artifact's stored bytes, read through decryption and decompression: a failure of the store
 * itself surfaces as {@link ReadFailed} (worth retrying), so that any other {@link IOException}
 * downstream means damaged content (not worth retrying).
 */
public final class StoreInputStream extends FilterInputStream {

  /** The store failed to deliver bytes; the content itself may be fine. */
  public static final class ReadFailed extends IOException {
    public ReadFailed(IOException cause) {
      super(cause);
    }
  }

  public StoreInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    try {
      return in.read();
    } catch (IOException e) {
      throw new ReadFailed(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return in.read(b, off, len);
    } catch (IOException e) {
      throw new ReadFailed(e);
    }
  }
}
