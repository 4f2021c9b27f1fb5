package io.dbrunbooks.activities.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * A {@link KeySource} backed by one JSON file (mode 0600) holding AES-256 key-encryption keys
 * (KEKs) and Ed25519 signing keys, for self-hosted setups without a KMS.
 *
 * <p>Data keys are wrapped with AES Key Wrap (RFC 3394, JDK cipher {@code AESWrap}): deterministic,
 * no nonce to manage, and it carries an integrity check, so a damaged wrapped key or the wrong KEK
 * fails loudly instead of yielding a wrong key. Old KEKs and signing keys stay in the file after
 * {@link #rotateKek()} / {@link #rotateSigningKey()}, so a rotated keyring still unwraps old backups
 * and verifies old manifests.
 *
 * <p>File layout ({@code format} {@value #FORMAT}):
 *
 * <pre>{@code
 * {"format": "db-runbooks-keyring/1",
 *  "activeKek": "local:kek-2026-11-21-ab12cd", "activeSigningKey": "local:sign-2026-11-21-0f9e8d",
 *  "keks": {"local:kek-...": {"alg": "A256KW", "key": "<base64 32 bytes>"}},
 *  "signingKeys": {"local:sign-...": {"alg": "EdDSA", "private": "<base64 PKCS#8>", "public": "<base64 X.509>"}}}
 * }</pre>
 */
public final class LocalKeyring implements KeySource {

  static final String FORMAT = "db-runbooks-keyring/1";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private record SigningKey(PrivateKey privateKey, PublicKey publicKey) {}

  private final Path path;
  private final String activeKek;
  private final String activeSigningKey;
  private final Map<String, byte[]> keks;
  private final Map<String, SigningKey> signingKeys;

  private LocalKeyring(Path path, String activeKek, String activeSigningKey, Map<String, byte[]> keks, Map<String, SigningKey> signingKeys) {
    this.path = path;
    this.activeKek = activeKek;
    this.activeSigningKey = activeSigningKey;
    this.keks = new TreeMap<>(keks);
    this.signingKeys = new TreeMap<>(signingKeys);
  }

  /** Creates a new keyring with one KEK and one signing key. Never overwrites an existing file. */
  public static LocalKeyring create(Path path) throws IOException {
    Path abs = path.toAbsolutePath().normalize();
    if (Files.exists(abs)) {
      throw new KeyringException("keyring " + abs + " already exists; refusing to overwrite it (it may hold the only keys to existing backups)");
    }
    String kek = newId("kek");
    String sign = newId("sign");
    LocalKeyring k = new LocalKeyring(abs, kek, sign, Map.of(kek, randomKek()), Map.of(sign, newSigningKey()));
    k.write(false);
    return k;
  }

  /** Loads and validates a keyring; refuses files that group or others may read or write. */
  public static LocalKeyring load(Path path) throws IOException {
    return LocalKeyringFile.read(path.toAbsolutePath().normalize());
  }

  /** Adds a new KEK and makes it the one new data keys are wrapped with; older KEKs still unwrap. */
  public LocalKeyring rotateKek() throws IOException {
    String id = newId("kek");
    Map<String, byte[]> next = new TreeMap<>(keks);
    next.put(id, randomKek());
    LocalKeyring k = new LocalKeyring(path, id, activeSigningKey, next, signingKeys);
    k.write(true);
    return k;
  }

  /** Adds a new signing key and makes it active; older public keys still verify older manifests. */
  public LocalKeyring rotateSigningKey() throws IOException {
    String id = newId("sign");
    Map<String, SigningKey> next = new TreeMap<>(signingKeys);
    next.put(id, newSigningKey());
    LocalKeyring k = new LocalKeyring(path, activeKek, id, keks, next);
    k.write(true);
    return k;
  }

  public Path path() {
    return path;
  }

  public String activeKekId() {
    return activeKek;
  }

  public Set<String> kekIds() {
    return Set.copyOf(keks.keySet());
  }

  /** Every signing key's public half (id -> base64 X.509), for offline verification. */
  public Map<String, String> publicKeys() {
    Map<String, String> out = new TreeMap<>();
    signingKeys.forEach((id, k) -> out.put(id, Base64.getEncoder().encodeToString(k.publicKey().getEncoded())));
    return out;
  }

  public PublicKeySet publicKeySet() throws KeyringException {
    return PublicKeySet.of(publicKeys());
  }

  @Override
  public DataKey newDataKey() throws IOException {
    byte[] plaintext = new byte[32];
    RANDOM.nextBytes(plaintext);
    try {
      Cipher c = Cipher.getInstance("AESWrap");
      c.init(Cipher.WRAP_MODE, new SecretKeySpec(keks.get(activeKek), "AES"));
      return new DataKey(plaintext, c.wrap(new SecretKeySpec(plaintext, "AES")), activeKek);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot wrap a data key with " + activeKek + " from " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] unwrap(String wrappingKeyId, byte[] wrappedKey) throws IOException {
    byte[] kek = keks.get(wrappingKeyId);
    if (kek == null) {
      throw new KeyringException("key " + wrappingKeyId + " is not in keyring " + path + " (it holds " + String.join(", ", keks.keySet())
          + "); restore the keyring that wrapped this backup's data key");
    }
    try {
      Cipher c = Cipher.getInstance("AESWrap");
      c.init(Cipher.UNWRAP_MODE, new SecretKeySpec(kek, "AES"));
      return c.unwrap(wrappedKey, "AES", Cipher.SECRET_KEY).getEncoded();
    } catch (GeneralSecurityException e) {
      // RFC 3394's integrity check failed: never hand back a wrong key.
      throw new KeyringException("the data key wrapped by " + wrappingKeyId + " does not unwrap with that key from " + path
          + ": the wrapped key is damaged or came from a different keyring with the same key id", e);
    }
  }

  @Override
  public String signingKeyId() {
    return activeSigningKey;
  }

  @Override
  public String signingAlgorithm() {
    return "EdDSA";
  }

  @Override
  public byte[] sign(byte[] data) throws IOException {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(signingKeys.get(activeSigningKey).privateKey());
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot sign with " + activeSigningKey + " from " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public PublicKey verificationKey(String signingKeyId) throws IOException {
    SigningKey k = signingKeys.get(signingKeyId);
    if (k == null) {
      throw new KeyringException("signing key " + signingKeyId + " is not in keyring " + path + " (it holds " + String.join(", ", signingKeys.keySet()) + ")");
    }
    return k.publicKey();
  }

  /** Names the file and key ids only: never key material. */
  @Override
  public String toString() {
    return "LocalKeyring[" + path + ", kek=" + activeKek + ", sign=" + activeSigningKey + "]";
  }

  // ---- file format --------------------------------------------------------------------------

  /** Reading lives in its own class to keep this one about keys; see {@link LocalKeyringFile}. */
  static LocalKeyring of(Path path, String activeKek, String activeSigningKey, Map<String, byte[]> keks, Map<String, PrivateKey> priv, Map<String, PublicKey> pub) {
    Map<String, SigningKey> s = new TreeMap<>();
    priv.forEach((id, p) -> s.put(id, new SigningKey(p, pub.get(id))));
    return new LocalKeyring(path, activeKek, activeSigningKey, keks, s);
  }

  private byte[] toJson() throws JsonProcessingException {
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT).put("activeKek", activeKek).put("activeSigningKey", activeSigningKey);
    ObjectNode kekNode = root.putObject("keks");
    keks.forEach((id, k) -> kekNode.putObject(id).put("alg", "A256KW").put("key", b64.encodeToString(k)));
    ObjectNode signNode = root.putObject("signingKeys");
    signingKeys.forEach((id, k) -> signNode.putObject(id).put("alg", "EdDSA")
        .put("private", b64.encodeToString(k.privateKey().getEncoded()))
        .put("public", b64.encodeToString(k.publicKey().getEncoded())));
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /**
   * Writes via a 0600 temp file in the same directory, so the secret is never briefly readable by
   * others and a crash never leaves a half-written keyring. A new keyring is linked into place
   * (fails if the name exists, even in a race); a rotation replaces the file atomically.
   */
  private void write(boolean replace) throws IOException {
    Path dir = path.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(toJson()));
        ch.force(true);
      }
      if (replace) {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        try {
          Files.createLink(path, tmp);
        } catch (FileAlreadyExistsException e) {
          throw new KeyringException("keyring " + path + " already exists; refusing to overwrite it");
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String newId(String kind) {
    byte[] r = new byte[3];
    RANDOM.nextBytes(r);
    return "local:" + kind + "-" + LocalDate.now(ZoneOffset.UTC) + "-" + HexFormat.of().formatHex(r);
  }

  private static byte[] randomKek() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  private static SigningKey newSigningKey() throws IOException {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new SigningKey(kp.getPrivate(), kp.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IOException("this JVM cannot generate Ed25519 keys: " + e.getMessage(), e);
    }
  }

  static PrivateKey decodePrivate(byte[] pkcs8) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
  }

  static PublicKey decodePublic(byte[] x509) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
  }
}
