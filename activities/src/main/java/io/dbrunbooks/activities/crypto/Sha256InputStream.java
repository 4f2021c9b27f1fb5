package io.dbrunbooks.activities.crypto;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Passes bytes through while counting them and computing their SHA-256. */
public final class Sha256InputStream extends FilterInputStream {
  private final MessageDigest digest;
  private long count;

  public Sha256InputStream(InputStream in) {
    super(in);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      digest.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[8192];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Reads whatever is left, so the digest covers the whole stream. */
  public void drain() throws IOException {
    byte[] buf = new byte[1 << 16];
    while (read(buf, 0, buf.length) >= 0) {
      // counting and hashing happen in read
    }
  }

  public long count() {
    return count;
  }

  public String hex() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
