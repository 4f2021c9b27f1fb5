package io.dbrunbooks.activities.crypto;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The artifact envelope: a small header, then AES-256-GCM frames of {@link #DEFAULT_FRAME_SIZE}
 * plaintext bytes each.
 *
 * <p>Java's GCM decryption buffers a whole message before it releases a byte, so one GCM message
 * per artifact would need memory the size of the backup. Fixed frames keep memory bounded. Each
 * frame's AAD binds it to this header (its SHA-256), to its index and to whether it is the last
 * frame, so dropping, reordering or swapping frames between artifacts, and truncating at a frame
 * boundary, all fail authentication. The last frame always holds fewer than frame-size plaintext
 * bytes (possibly zero), so a reader knows the stream ended on purpose.
 *
 * <pre>
 * header: magic "DBRBENV1" | version u8 | frameSize u32 | noncePrefix 4 bytes
 *         | keyIdLength u16 | keyId UTF-8 | wrappedKeyLength u16 | wrappedKey
 * frame:  ciphertext (frameSize bytes, or fewer for the last frame) | 16-byte GCM tag
 * nonce:  noncePrefix (4) | frame index u64
 * AAD:    SHA-256(header) | frame index u64 | final flag u8
 * </pre>
 */
public final class EnvelopeFormat {
  public static final String NAME = "AES-256-GCM, 1 MiB frames (dbrb-envelope v1)";
  static final byte[] MAGIC = "DBRBENV1".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  public static final int DEFAULT_FRAME_SIZE = 1 << 20;
  static final int MAX_FRAME_SIZE = 16 << 20;
  static final int TAG_BYTES = 16;
  static final int TAG_BITS = TAG_BYTES * 8;
  static final int NONCE_PREFIX_BYTES = 4;

  private EnvelopeFormat() {}

  /** The parsed header, with the exact bytes it was read from (they feed the AAD). */
  public record Header(int frameSize, byte[] noncePrefix, String wrappingKeyId, byte[] wrappedKey, byte[] encoded) {

    static Header create(int frameSize, byte[] noncePrefix, String wrappingKeyId, byte[] wrappedKey) {
      byte[] id = wrappingKeyId.getBytes(StandardCharsets.UTF_8);
      if (id.length > 0xFFFF || wrappedKey.length > 0xFFFF) {
        throw new IllegalArgumentException("key id or wrapped key too long for the envelope header");
      }
      ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 4 + NONCE_PREFIX_BYTES + 2 + id.length + 2 + wrappedKey.length);
      b.put(MAGIC).put((byte) VERSION).putInt(frameSize).put(noncePrefix);
      b.putShort((short) id.length).put(id).putShort((short) wrappedKey.length).put(wrappedKey);
      return new Header(frameSize, noncePrefix.clone(), wrappingKeyId, wrappedKey.clone(), b.array());
    }

    static Header read(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      try {
        byte[] magic = new byte[MAGIC.length];
        d.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
          throw new IOException("not an encrypted backup artifact (bad magic; expected a dbrb envelope)");
        }
        int version = d.readUnsignedByte();
        if (version != VERSION) {
          throw new IOException("unsupported envelope version " + version + " (this build reads " + VERSION + ")");
        }
        int frameSize = d.readInt();
        if (frameSize <= 0 || frameSize > MAX_FRAME_SIZE) {
          throw new IOException("corrupt envelope header: frame size " + frameSize);
        }
        byte[] prefix = new byte[NONCE_PREFIX_BYTES];
        d.readFully(prefix);
        byte[] id = new byte[d.readUnsignedShort()];
        d.readFully(id);
        byte[] wrapped = new byte[d.readUnsignedShort()];
        d.readFully(wrapped);
        return create(frameSize, prefix, new String(id, StandardCharsets.UTF_8), wrapped);
      } catch (EOFException e) {
        throw new IOException("truncated envelope: the header is incomplete", e);
      }
    }

    byte[] hash() {
      return sha256(encoded);
    }
  }

  static byte[] nonce(byte[] prefix, long frameIndex) {
    return ByteBuffer.allocate(NONCE_PREFIX_BYTES + 8).put(prefix).putLong(frameIndex).array();
  }

  static byte[] aad(byte[] headerHash, long frameIndex, boolean finalFrame) {
    return ByteBuffer.allocate(headerHash.length + 9).put(headerHash).putLong(frameIndex)
        .put((byte) (finalFrame ? 1 : 0)).array();
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
