package io.dbrunbooks.activities.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EnvelopeFormatTest {
  static final int FRAME = 64;
  static final int SEALED = FRAME + EnvelopeFormat.TAG_BYTES;
  final byte[] key = bytes(32, 1);
  final byte[] wrapped = bytes(40, 2);

  @ParameterizedTest
  @ValueSource(ints = {0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 3 * FRAME + 5, 1000})
  void roundTripsAcrossFrameBoundaries(int size) throws IOException {
    byte[] plain = bytes(size, size);
    byte[] sealed = encrypt(plain, FRAME);
    int frames = size / FRAME + 1;
    assertEquals(header().length + (long) size + frames * EnvelopeFormat.TAG_BYTES, sealed.length,
        "every frame but the last is full, and the last is always short (possibly empty)");
    assertArrayEquals(plain, decrypt(sealed));
  }

  /** Frames are encrypted in 2 KiB cipher updates; the reader decrypts each frame in one call. */
  @ParameterizedTest
  @ValueSource(ints = {2047, 2048, 2049, 4096, 6151, 6152, 20000})
  void roundTripsAcrossCipherUpdateSlices(int size) throws IOException {
    int frame = 3 * 2048 + 7;
    byte[] plain = bytes(size, size);
    byte[] sealed = encrypt(plain, frame);
    assertEquals(EnvelopeFormat.Header.create(frame, new byte[4], "kek-1", wrapped).encoded().length + (long) size
        + (size / frame + 1) * EnvelopeFormat.TAG_BYTES, sealed.length);
    assertArrayEquals(plain, decrypt(sealed));
  }

  @Test
  void roundTripsWithTheDefaultFrameSizeInSmallWrites() throws IOException {
    byte[] plain = bytes(EnvelopeFormat.DEFAULT_FRAME_SIZE * 2 + 12345, 9);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (EncryptingOutputStream enc = new EncryptingOutputStream(out, key, "kek-1", wrapped)) {
      for (int off = 0; off < plain.length; off += 777) {
        enc.write(plain, off, Math.min(777, plain.length - off));
      }
    }
    assertArrayEquals(plain, decrypt(out.toByteArray()));
  }

  @Test
  void headerCarriesTheWrappedKeyForTheUnwrapper() throws IOException {
    byte[] sealed = encrypt(bytes(10, 3), FRAME);
    new DecryptingInputStream(new ByteArrayInputStream(sealed), (id, w) -> {
      assertEquals("kek-1", id);
      assertArrayEquals(wrapped, w);
      return key.clone();
    }).readAllBytes();
  }

  @Test
  void flippedByteInAFrameFailsNamingTheFrame() throws IOException {
    byte[] sealed = encrypt(bytes(3 * FRAME, 4), FRAME);
    sealed[header().length + SEALED + 5] ^= 1;
    IOException e = assertThrows(IOException.class, () -> decrypt(sealed));
    assertTrue(e.getMessage().contains("frame 1 failed authentication"), e.getMessage());
  }

  @Test
  void flippedByteInTheHeaderFails() throws IOException {
    byte[] sealed = encrypt(bytes(10, 4), FRAME);
    sealed[MAGIC_AND_VERSION + 4 + 1] ^= 1; // the nonce prefix: no longer the key's nonce, and the AAD hash changes
    assertThrows(IOException.class, () -> decrypt(sealed));
  }

  static final int MAGIC_AND_VERSION = EnvelopeFormat.MAGIC.length + 1;

  @Test
  void truncationAtAFrameBoundaryIsDetected() throws IOException {
    byte[] sealed = encrypt(bytes(3 * FRAME + 7, 5), FRAME);
    byte[] cut = Arrays.copyOf(sealed, header().length + 2 * SEALED);
    IOException e = assertThrows(IOException.class, () -> decrypt(cut));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void truncationInsideAFrameIsDetected() throws IOException {
    byte[] sealed = encrypt(bytes(3 * FRAME + 7, 5), FRAME);
    assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(sealed, sealed.length - 3)));
    assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(sealed, header().length + SEALED + 10)));
    IOException e = assertThrows(IOException.class, () -> decrypt(Arrays.copyOf(sealed, header().length - 2)));
    assertTrue(e.getMessage().contains("header is incomplete"), e.getMessage());
  }

  @Test
  void reorderedOrDroppedFramesAreDetected() throws IOException {
    byte[] sealed = encrypt(bytes(3 * FRAME + 7, 6), FRAME);
    int h = header().length;
    byte[] swapped = sealed.clone();
    System.arraycopy(sealed, h, swapped, h + SEALED, SEALED);
    System.arraycopy(sealed, h + SEALED, swapped, h, SEALED);
    assertThrows(IOException.class, () -> decrypt(swapped));

    ByteArrayOutputStream dropped = new ByteArrayOutputStream();
    dropped.write(sealed, 0, h + SEALED);
    dropped.write(sealed, h + 2 * SEALED, sealed.length - h - 2 * SEALED);
    assertThrows(IOException.class, () -> decrypt(dropped.toByteArray()));
  }

  @Test
  void framesCannotBeSwappedBetweenArtifactsUnderTheSameKey() throws IOException {
    byte[] a = encrypt(bytes(2 * FRAME + 1, 7), FRAME);
    byte[] b = encrypt(bytes(2 * FRAME + 1, 8), FRAME);
    int h = header().length;
    byte[] mixed = a.clone();
    System.arraycopy(b, h, mixed, h, SEALED);
    assertThrows(IOException.class, () -> decrypt(mixed));
  }

  @Test
  void trailingDataAndWrongKeyAreDetected() throws IOException {
    byte[] sealed = encrypt(bytes(FRAME + 3, 9), FRAME);
    byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
    assertThrows(IOException.class, () -> decrypt(longer));
    IOException e = assertThrows(IOException.class,
        () -> new DecryptingInputStream(new ByteArrayInputStream(sealed), (id, w) -> bytes(32, 99)).readAllBytes());
    assertTrue(e.getMessage().contains("different key"), e.getMessage());
  }

  @Test
  void somethingElseIsNotAnEnvelope() {
    IOException e = assertThrows(IOException.class, () -> decrypt("hello, this is not encrypted".getBytes()));
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
  }

  private byte[] header() {
    return EnvelopeFormat.Header.create(FRAME, new byte[4], "kek-1", wrapped).encoded();
  }

  private byte[] encrypt(byte[] plain, int frame) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (EncryptingOutputStream enc = new EncryptingOutputStream(out, key, "kek-1", wrapped, frame)) {
      enc.write(plain);
    }
    return out.toByteArray();
  }

  private byte[] decrypt(byte[] sealed) throws IOException {
    try (DecryptingInputStream in = new DecryptingInputStream(new ByteArrayInputStream(sealed), (id, w) -> key.clone())) {
      return in.readAllBytes();
    }
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
