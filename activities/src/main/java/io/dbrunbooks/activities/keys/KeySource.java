package io.dbrunbooks.activities.keys;

import java.io.IOException;
import java.security.PublicKey;

/**
 * Wraps per-backup data keys and signs manifests. Implementations: a local keyring file
 * ({@link LocalKeyring}) and AWS KMS ({@link KmsKeySource}). Plaintext data keys never leave the activity that uses them.
 */
public interface KeySource {

  /** A fresh 256-bit data key and its wrapped form. */
  DataKey newDataKey() throws IOException;

  /** Unwraps a data key wrapped by {@code wrappingKeyId}. @throws IOException naming the key when it is unknown */
  byte[] unwrap(String wrappingKeyId, byte[] wrappedKey) throws IOException;

  /** Id of the key that signs manifests (the JWS {@code kid}). */
  String signingKeyId();

  /** JWS algorithm of the signing key: {@code EdDSA} or {@code ES256}. */
  String signingAlgorithm();

  /** Signs {@code data} (the JWS signing input) with the signing key; raw JWS signature bytes. */
  byte[] sign(byte[] data) throws IOException;

  /** Public key of a signing key, for verification. @throws IOException when the id is unknown */
  PublicKey verificationKey(String signingKeyId) throws IOException;
}
