package io.dbrunbooks.activities.keys;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Reads and validates a {@link LocalKeyring} file; every error names the file and the field. */
final class LocalKeyringFile {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private final Path path;

  private LocalKeyringFile(Path path) {
    this.path = path;
  }

  static LocalKeyring read(Path path) throws IOException {
    return new LocalKeyringFile(path).read();
  }

  private LocalKeyring read() throws IOException {
    if (!Files.exists(path)) {
      throw new KeyringException("keyring " + path + " does not exist; create one with LocalKeyring.create (runbooks keys init) or fix the keyring path in the targets file");
    }
    checkPermissions();
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(path));
    } catch (NoSuchFileException e) {
      throw new KeyringException("keyring " + path + " disappeared while it was being read");
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new KeyringException("keyring " + path + " is not valid JSON" + where + ": " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new KeyringException("keyring " + path + " must hold a JSON object");
    }
    String format = text(root, "format");
    if (!LocalKeyring.FORMAT.equals(format)) {
      throw new KeyringException("keyring " + path + ": field 'format' is '" + format + "', expected '" + LocalKeyring.FORMAT + "'");
    }
    String activeKek = text(root, "activeKek");
    String activeSign = text(root, "activeSigningKey");

    Map<String, byte[]> keks = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : object(root, "keks").properties()) {
      String field = "keks." + e.getKey();
      byte[] key = base64(e.getValue(), field + ".key");
      if (key.length != 32) {
        throw bad(field + ".key", "must be a 256-bit AES key (32 bytes), found " + key.length + " bytes");
      }
      keks.put(e.getKey(), key);
    }
    Map<String, PrivateKey> priv = new TreeMap<>();
    Map<String, PublicKey> pub = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : object(root, "signingKeys").properties()) {
      String field = "signingKeys." + e.getKey();
      if (!"EdDSA".equals(text(e.getValue(), "alg", field + ".alg"))) {
        throw bad(field + ".alg", "only EdDSA signing keys are supported in a local keyring");
      }
      try {
        priv.put(e.getKey(), LocalKeyring.decodePrivate(base64(e.getValue(), field + ".private")));
      } catch (GeneralSecurityException ex) {
        throw bad(field + ".private", "is not an Ed25519 PKCS#8 private key");
      }
      try {
        pub.put(e.getKey(), LocalKeyring.decodePublic(base64(e.getValue(), field + ".public")));
      } catch (GeneralSecurityException ex) {
        throw bad(field + ".public", "is not an Ed25519 X.509 public key");
      }
    }
    if (!keks.containsKey(activeKek)) {
      throw bad("activeKek", "names " + activeKek + ", which is not in 'keks'");
    }
    if (!priv.containsKey(activeSign)) {
      throw bad("activeSigningKey", "names " + activeSign + ", which is not in 'signingKeys'");
    }
    return LocalKeyring.of(path, activeKek, activeSign, keks, priv, pub);
  }

  /** Same rule as ssh for private keys: a keyring others can read is a leaked keyring. */
  private void checkPermissions() throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (view == null) {
      return; // not a POSIX file system: nothing meaningful to check
    }
    Set<PosixFilePermission> perms = view.readAttributes().permissions();
    if (perms.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
      throw new KeyringException("keyring " + path + " has permissions " + PosixFilePermissions.toString(perms)
          + "; it holds secret keys and must be accessible by its owner only: chmod 600 " + path);
    }
  }

  private String text(JsonNode parent, String field) throws KeyringException {
    return text(parent, field, field);
  }

  private String text(JsonNode parent, String field, String fieldPath) throws KeyringException {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      throw bad(fieldPath, "is missing");
    }
    if (!n.isTextual()) {
      throw bad(fieldPath, "must be a string");
    }
    return n.asText();
  }

  private JsonNode object(JsonNode parent, String field) throws KeyringException {
    JsonNode n = parent.get(field);
    if (n == null || !n.isObject() || n.isEmpty()) {
      throw bad(field, "must be a non-empty object");
    }
    return n;
  }

  private byte[] base64(JsonNode parent, String fieldPath) throws KeyringException {
    String leaf = fieldPath.substring(fieldPath.lastIndexOf('.') + 1);
    try {
      return Base64.getDecoder().decode(text(parent, leaf, fieldPath));
    } catch (IllegalArgumentException e) {
      throw bad(fieldPath, "is not valid base64");
    }
  }

  private KeyringException bad(String field, String problem) {
    return new KeyringException("keyring " + path + ": field '" + field + "' " + problem);
  }
}
