package io.dbrunbooks.activities.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads an {@link EnvelopeFormat} envelope, releasing plaintext one authenticated frame at a time.
 * Any tampering, truncation or trailing data raises an {@link IOException} that says which.
 */
public final class DecryptingInputStream extends InputStream {

  /** Turns the header's wrapped key into the 32-byte data key (a KeySource lookup). */
  @FunctionalInterface
  public interface KeyUnwrapper {
    byte[] unwrap(String wrappingKeyId, byte[] wrappedKey) throws IOException;
  }

  private final InputStream in;
  private final EnvelopeFormat.Header header;
  private final byte[] headerHash;
  private final SecretKeySpec key;
  private final Cipher cipher;
  private final byte[] sealed;
  private final byte[] plain;
  private int pos;
  private int limit;
  private long frameIndex;
  private boolean finished;

  public DecryptingInputStream(InputStream in, KeyUnwrapper unwrapper) throws IOException {
    this.in = in;
    this.header = EnvelopeFormat.Header.read(in);
    this.headerHash = header.hash();
    byte[] dataKey = unwrapper.unwrap(header.wrappingKeyId(), header.wrappedKey());
    try {
      this.key = new SecretKeySpec(dataKey, "AES");
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
    this.sealed = new byte[header.frameSize() + EnvelopeFormat.TAG_BYTES];
    this.plain = new byte[header.frameSize()];
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IOException("AES-GCM is not available in this JVM", e);
    }
  }

  public EnvelopeFormat.Header header() {
    return header;
  }

  /** Frames authenticated so far. */
  public long frames() {
    return frameIndex;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos == limit) {
      if (finished) {
        return -1;
      }
      nextFrame();
    }
    int n = Math.min(len, limit - pos);
    System.arraycopy(plain, pos, b, off, n);
    pos += n;
    return n;
  }

  private void nextFrame() throws IOException {
    int got = in.readNBytes(sealed, 0, sealed.length);
    // A full-size frame is never the last one (see EnvelopeFormat), so a short read marks the end.
    boolean last = got < sealed.length;
    if (got == 0) {
      throw new IOException("truncated envelope: stream ends after frame " + frameIndex + " without a final frame");
    }
    if (got < EnvelopeFormat.TAG_BYTES) {
      throw new IOException("truncated envelope: frame " + frameIndex + " is " + got + " bytes, shorter than its tag");
    }
    try {
      cipher.init(Cipher.DECRYPT_MODE, key,
          new GCMParameterSpec(EnvelopeFormat.TAG_BITS, EnvelopeFormat.nonce(header.noncePrefix(), frameIndex)));
      cipher.updateAAD(EnvelopeFormat.aad(headerHash, frameIndex, last));
      limit = cipher.doFinal(sealed, 0, got, plain, 0);
      pos = 0;
    } catch (AEADBadTagException e) {
      throw new IOException("frame " + frameIndex + " failed authentication: the artifact was modified, truncated,"
          + " or encrypted under a different key", e);
    } catch (GeneralSecurityException e) {
      throw new IOException("decryption of frame " + frameIndex + " failed", e);
    }
    frameIndex++;
    if (last) {
      finished = true;
      if (in.read() >= 0) {
        throw new IOException("unexpected data after the final frame " + (frameIndex - 1));
      }
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
