package io.dbrunbooks.activities.postgres;

import io.dbrunbooks.activities.keys.DataKey;
import io.dbrunbooks.activities.keys.KeySource;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real key source for tests: AES key wrap (RFC 3394) under a random in-memory key-encryption
 * key, Ed25519 signing. Stands in for the local keyring until it is merged.
 */
final class TestKeySource implements KeySource {
  private final String kekId;
  private final SecretKey kek;
  private final KeyPair signing;
  private final SecureRandom random = new SecureRandom();

  TestKeySource(String kekId) {
    this.kekId = kekId;
    byte[] k = new byte[32];
    random.nextBytes(k);
    this.kek = new SecretKeySpec(k, "AES");
    try {
      this.signing = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public DataKey newDataKey() throws IOException {
    byte[] plain = new byte[32];
    random.nextBytes(plain);
    try {
      Cipher c = Cipher.getInstance("AESWrap");
      c.init(Cipher.WRAP_MODE, kek);
      return new DataKey(plain, c.wrap(new SecretKeySpec(plain, "AES")), kekId);
    } catch (GeneralSecurityException e) {
      throw new IOException("wrap failed", e);
    }
  }

  @Override
  public byte[] unwrap(String wrappingKeyId, byte[] wrappedKey) throws IOException {
    if (!kekId.equals(wrappingKeyId)) {
      throw new IOException("unknown wrapping key " + wrappingKeyId);
    }
    try {
      Cipher c = Cipher.getInstance("AESWrap");
      c.init(Cipher.UNWRAP_MODE, kek);
      return c.unwrap(wrappedKey, "AES", Cipher.SECRET_KEY).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot unwrap a data key with " + wrappingKeyId, e);
    }
  }

  @Override
  public String signingKeyId() {
    return kekId + "-sign";
  }

  @Override
  public String signingAlgorithm() {
    return "EdDSA";
  }

  @Override
  public byte[] sign(byte[] data) throws IOException {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(signing.getPrivate());
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  @Override
  public PublicKey verificationKey(String signingKeyId) throws IOException {
    if (!signingKeyId().equals(signingKeyId)) {
      throw new IOException("unknown signing key " + signingKeyId);
    }
    return signing.getPublic();
  }
}
