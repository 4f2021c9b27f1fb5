package io.dbrunbooks.activities.keys;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GetPublicKeyResponse;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.MessageType;
import software.amazon.awssdk.services.kms.model.SigningAlgorithmSpec;

/**
 * AWS KMS as key source: data keys from GenerateDataKey under a symmetric key, manifests signed
 * with an {@code ECC_NIST_P256} key (JWS {@code ES256}). Key material never leaves KMS; only the
 * per-backup plaintext data key is held, by the one activity that encrypts with it, and never logged.
 *
 * <p>Failures a retry cannot fix (unknown, disabled or wrong-purpose key, access denied, a data key
 * wrapped by another key) are {@link KeyringException}s, which the activities report as
 * non-retryable; throttling and network errors stay plain, retryable {@link IOException}s.
 */
public final class KmsKeySource implements KeySource {

  private final KmsClient kms;
  private final String keyId;
  private final String signingKeyId;
  private final Map<String, PublicKey> publicKeys = new ConcurrentHashMap<>();
  private volatile String trustedSigningKeyArn;

  /**
   * @param keyId symmetric wrapping key: id, ARN, alias name or alias ARN
   * @param signingKeyId asymmetric signing key, by id or ARN: it becomes the manifests' {@code kid}
   */
  public KmsKeySource(KmsClient kms, String keyId, String signingKeyId) {
    this.kms = kms;
    this.keyId = keyId;
    this.signingKeyId = signingKeyId;
  }

  /** The wrapping key id records the key's ARN as KMS reports it, whatever alias was configured. */
  @Override
  public DataKey newDataKey() throws IOException {
    GenerateDataKeyResponse r = call("generate a data key under", keyId,
        () -> kms.generateDataKey(b -> b.keyId(keyId).keySpec(DataKeySpec.AES_256)));
    return new DataKey(r.plaintext().asByteArray(), r.ciphertextBlob().asByteArray(), r.keyId());
  }

  /**
   * Decrypts with the KeyId set, so KMS itself refuses a ciphertext wrapped by any other key rather
   * than silently using whichever key the blob names.
   */
  @Override
  public byte[] unwrap(String wrappingKeyId, byte[] wrappedKey) throws IOException {
    DecryptResponse r = call("unwrap a data key with", wrappingKeyId,
        () -> kms.decrypt(b -> b.keyId(wrappingKeyId).ciphertextBlob(SdkBytes.fromByteArray(wrappedKey))));
    if (wrappingKeyId.startsWith("arn:") && !wrappingKeyId.contains(":alias/") && !wrappingKeyId.equals(r.keyId())) {
      throw new KeyringException("KMS decrypted a data key recorded as wrapped by " + wrappingKeyId + " with " + r.keyId()
          + "; refusing a data key whose wrapping key does not match the manifest");
    }
    return r.plaintext().asByteArray();
  }

  @Override
  public String signingKeyId() {
    return signingKeyId;
  }

  @Override
  public String signingAlgorithm() {
    return "ES256";
  }

  /** KMS accepts RAW messages of at most this many bytes. */
  static final int MAX_RAW_MESSAGE = 4096;

  /**
   * ES256 through KMS; KMS answers in DER, JWS wants r||s (RFC 7518 3.4). Signing inputs up to 4096
   * bytes go as RAW messages; longer ones (KMS's RAW limit) are hashed here and sent as DIGEST,
   * which yields the same ECDSA-over-SHA-256 signature. (moto_server 5.2.1 hashes DIGEST messages
   * a second time, so only the RAW path is exercised by the tests.)
   */
  @Override
  public byte[] sign(byte[] data) throws IOException {
    byte[] message = data;
    MessageType type = MessageType.RAW;
    if (data.length > MAX_RAW_MESSAGE) {
      try {
        message = MessageDigest.getInstance("SHA-256").digest(data);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
      }
      type = MessageType.DIGEST;
    }
    SdkBytes bytes = SdkBytes.fromByteArray(message);
    MessageType messageType = type;
    byte[] der = call("sign with", signingKeyId, () -> kms.sign(b -> b.keyId(signingKeyId)
        .message(bytes)
        .messageType(messageType)
        .signingAlgorithm(SigningAlgorithmSpec.ECDSA_SHA_256))).signature().asByteArray();
    return derToP1363(der, 32);
  }

  /**
   * The public half of this target's signing key, fetched once per id (needs kms:GetPublicKey).
   * Only the configured signing key is trusted: a manifest names its key in an unverified header,
   * and any other P-256 key the worker can read would otherwise vouch for a forgery.
   */
  @Override
  public PublicKey verificationKey(String id) throws IOException {
    PublicKey cached = publicKeys.get(id);
    if (cached != null) {
      return cached;
    }
    GetPublicKeyResponse r = call("fetch the public key of", id, () -> kms.getPublicKey(b -> b.keyId(id)));
    if (!id.equals(signingKeyId) && !r.keyId().equals(trustedSigningKeyArn())) {
      throw new KeyringException("KMS key " + id + " is not this target's signing key (" + signingKeyId
          + "); evidence signed by any other key is not trusted");
    }
    // Older KMS answers (and moto) fill only the deprecated CustomerMasterKeySpec.
    String spec = r.keySpecAsString() != null ? r.keySpecAsString() : r.customerMasterKeySpecAsString();
    if (!KeySpec.ECC_NIST_P256.toString().equals(spec) || r.keyUsage() != KeyUsageType.SIGN_VERIFY) {
      throw new KeyringException("KMS key " + id + " is a " + spec + " " + r.keyUsageAsString()
          + " key; manifests are verified with ECC_NIST_P256 SIGN_VERIFY keys (ES256)");
    }
    try {
      PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(r.publicKey().asByteArray()));
      publicKeys.put(id, key);
      return key;
    } catch (GeneralSecurityException e) {
      throw new KeyringException("KMS returned a public key for " + id + " that is not a valid X.509 EC key", e);
    }
  }

  /** The ARN of the configured signing key, however the configuration names it. */
  private String trustedSigningKeyArn() throws IOException {
    String arn = trustedSigningKeyArn;
    if (arn == null) {
      arn = call("describe", signingKeyId, () -> kms.getPublicKey(b -> b.keyId(signingKeyId))).keyId();
      trustedSigningKeyArn = arn;
    }
    return arn;
  }

  @Override
  public String toString() {
    return "KmsKeySource[keyId=" + keyId + ", signingKeyId=" + signingKeyId + "]";
  }

  /** DER {@code SEQUENCE { INTEGER r, INTEGER s }} to fixed-width {@code r || s}. */
  static byte[] derToP1363(byte[] der, int width) throws IOException {
    try {
      int i = 0;
      if (der[i++] != 0x30) {
        throw new IOException("not a DER sequence");
      }
      i += (der[i] & 0x80) != 0 ? 1 + (der[i] & 0x7f) : 1; // sequence length
      byte[] out = new byte[2 * width];
      for (int n = 0; n < 2; n++) {
        if (der[i++] != 0x02) {
          throw new IOException("not a DER integer");
        }
        int len = der[i++];
        BigInteger v = new BigInteger(1, Arrays.copyOfRange(der, i, i + len));
        i += len;
        byte[] mag = v.toByteArray();
        int start = mag.length > width ? mag.length - width : 0; // drop a sign byte
        if (mag.length - start > width) {
          throw new IOException("integer wider than " + width + " bytes");
        }
        System.arraycopy(mag, start, out, n * width + width - (mag.length - start), mag.length - start);
      }
      return out;
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IOException("truncated DER signature from KMS", e);
    }
  }

  private interface KmsCall<T> {
    T call();
  }

  private static <T> T call(String what, String id, KmsCall<T> c) throws IOException {
    try {
      return c.call();
    } catch (KmsException e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      String message = "KMS refused to " + what + " key " + id + " (" + code + (e.awsErrorDetails() == null
          || e.awsErrorDetails().errorMessage() == null || e.awsErrorDetails().errorMessage().isBlank()
          ? "" : ": " + e.awsErrorDetails().errorMessage()) + ")";
      switch (code) {
        case "NotFoundException", "DisabledException", "KMSInvalidStateException", "InvalidKeyUsageException",
            "IncorrectKeyException", "InvalidCiphertextException", "AccessDeniedException", "KeyUnavailableException",
            "UnsupportedOperationException", "ValidationException" -> throw new KeyringException(message
                + (code.equals("AccessDeniedException") ? "; check the worker's IAM and key policy, or that the data key was wrapped by this key" : ""), e);
        default -> {
          if (e.statusCode() == 400 && code.startsWith("Invalid")) {
            throw new KeyringException(message, e);
          }
          throw new IOException(message, e);
        }
      }
    } catch (SdkException e) {
      throw new IOException("KMS failed to " + what + " key " + id + ": " + e.getMessage(), e);
    }
  }
}
