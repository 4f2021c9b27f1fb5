package io.dbrunbooks.activities.keys;

import java.util.Arrays;

/**
 * A data key: plaintext for the one activity that encrypts with it, wrapped form for the manifest.
 * Call {@link #destroy()} when done. {@link #toString()} never shows the plaintext.
 */
public final class DataKey {
  private final byte[] plaintext;
  private final byte[] wrapped;
  private final String wrappingKeyId;

  public DataKey(byte[] plaintext, byte[] wrapped, String wrappingKeyId) {
    this.plaintext = plaintext;
    this.wrapped = wrapped;
    this.wrappingKeyId = wrappingKeyId;
  }

  public byte[] plaintext() {
    return plaintext;
  }

  public byte[] wrapped() {
    return wrapped.clone();
  }

  public String wrappingKeyId() {
    return wrappingKeyId;
  }

  public void destroy() {
    Arrays.fill(plaintext, (byte) 0);
  }

  @Override
  public String toString() {
    return "DataKey[wrappedBy=" + wrappingKeyId + "]";
  }
}
