package io.dbrunbooks.activities.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Public verification keys only, by key id: what an auditor needs to verify sealed manifests
 * without access to the keyring. File form: {@code {"keys": {"<id>": "<base64 X.509>"}}}.
 */
public final class PublicKeySet implements PublicKeyLookup {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, PublicKey> keys;
  private final String source;

  private PublicKeySet(Map<String, PublicKey> keys, String source) {
    this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
    this.source = source;
  }

  /** From id -> base64 X.509 SubjectPublicKeyInfo (Ed25519 or EC P-256). */
  public static PublicKeySet of(Map<String, String> encodedById) throws KeyringException {
    Map<String, PublicKey> keys = new TreeMap<>();
    for (Map.Entry<String, String> e : encodedById.entrySet()) {
      keys.put(e.getKey(), decode(e.getKey(), e.getValue()));
    }
    return new PublicKeySet(keys, "the public keys given");
  }

  public static PublicKeySet load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new KeyringException("public key file " + file + " does not exist");
    } catch (IOException e) {
      throw new KeyringException("public key file " + file + " is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode keys = root == null ? null : root.get("keys");
    if (keys == null || !keys.isObject()) {
      throw new KeyringException("public key file " + file + ": field 'keys' is missing or not an object");
    }
    Map<String, PublicKey> decoded = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : keys.properties()) {
      if (!e.getValue().isTextual()) {
        throw new KeyringException("public key file " + file + ": field 'keys." + e.getKey() + "' must be a base64 string");
      }
      decoded.put(e.getKey(), decode(e.getKey(), e.getValue().asText()));
    }
    return new PublicKeySet(decoded, file.toString());
  }

  /** Writes the set as JSON. Public keys are not secret, so the file may be shared freely. */
  public void writeTo(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode out = root.putObject("keys");
    encoded().forEach(out::put);
    Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }

  /** id -> base64 X.509, sorted by id. */
  public Map<String, String> encoded() {
    Map<String, String> out = new TreeMap<>();
    keys.forEach((id, k) -> out.put(id, Base64.getEncoder().encodeToString(k.getEncoded())));
    return out;
  }

  @Override
  public PublicKey find(String keyId) throws IOException {
    PublicKey k = keys.get(keyId);
    if (k == null) {
      throw new KeyringException("no public key with id " + keyId + " in " + source + " (it holds: " + String.join(", ", keys.keySet()) + ")");
    }
    return k;
  }

  /** X.509 carries the algorithm OID, so trying the two key types we sign with is unambiguous. */
  static PublicKey decode(String id, String base64) throws KeyringException {
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new KeyringException("public key " + id + " is not valid base64");
    }
    for (String alg : new String[] {"Ed25519", "EC"}) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException ignored) {
        // not this type; try the next
      }
    }
    throw new KeyringException("public key " + id + " is neither an Ed25519 nor an EC X.509 public key");
  }
}
