package io.dbrunbooks.activities.crypto;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Passes bytes through while counting them and computing their SHA-256. */
public final class Sha256OutputStream extends FilterOutputStream {
  private final MessageDigest digest;
  private long count;

  public Sha256OutputStream(OutputStream out) {
    super(out);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digest.update(b, off, len);
    count += len;
  }

  public long count() {
    return count;
  }

  /** Hex digest of everything written; call once, after the last write. */
  public String hex() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
