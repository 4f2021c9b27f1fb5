package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import io.dbrunbooks.activities.store.BackupStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Offline check of one backup's evidence, needing only read access and public keys: the backend of
 * {@code runbooks evidence verify <backup-id>}.
 *
 * <p>Reads the manifest at {@code <target>/backups/<backupId>/manifest.jws} and checks:
 *
 * <ol>
 *   <li>its signature, with the public key named by the JWS {@code kid};
 *   <li>that it belongs where it was read from: its {@code backupId} and {@code target} fields name
 *       this backup and target (a validly signed manifest copied from another backup fails here);
 *   <li>that {@code sealedWith.signingKeyId}, the signing key recorded inside the signed payload,
 *       is the key the JWS header names;
 *   <li>the audit chain {@code <target>/backups/<backupId>}: contiguous and linked;
 *   <li>the manifest field {@code auditHead} — {@code {"sequence": n, "hash": "<hex sha256>"}}, the
 *       chain head at seal time — against audit entry {@code n} (this catches a rewritten last entry);
 *   <li>every entry of the manifest field {@code artifacts} — a list of {@code {"key": store key,
 *       "sha256": hex, "storedBytes": n}} describing the bytes as stored — exists in the store with
 *       that size and a recomputed (streamed) SHA-256.
 * </ol>
 *
 * Every check is reported, so one run names everything that does not match. The rest of the
 * manifest is free-form.
 */
public final class EvidenceVerifier {

  public record Check(String name, boolean ok, String message) {}

  public record Report(String target, String backupId, List<Check> checks) {
    public boolean ok() {
      return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
    }

    public List<Check> failures() {
      return checks.stream().filter(c -> !c.ok()).toList();
    }
  }

  private final EvidenceRegistry registry;
  private final BackupStore store;
  private final PublicKeyLookup keys;

  public EvidenceVerifier(EvidenceRegistry registry, BackupStore store, PublicKeyLookup keys) {
    this.registry = registry;
    this.store = store;
    this.keys = keys;
  }

  public static String manifestPath(String target, String backupId) {
    return chainOf(target, backupId) + "/manifest.jws";
  }

  public static String chainOf(String target, String backupId) {
    return target + "/backups/" + backupId;
  }

  public Report verify(String target, String backupId) {
    List<Check> checks = new ArrayList<>();
    String chain = chainOf(target, backupId);
    String path = manifestPath(target, backupId);
    String[] verifiedKid = new String[1];
    Map<String, Object> manifest = checkSignature(path, checks, verifiedKid);
    if (manifest != null) {
      checkLocation(path, target, backupId, manifest, checks);
      if (verifiedKid[0] != null) {
        checkSealedWith(verifiedKid[0], manifest.get(EvidenceActivitiesImpl.SEALED_WITH), checks);
      }
    }
    checkChain(chain, checks);
    if (manifest != null) {
      checkAuditHead(chain, manifest.get("auditHead"), checks);
      checkArtifacts(manifest.get("artifacts"), checks);
    }
    return new Report(target, backupId, List.copyOf(checks));
  }

  /**
   * A signature proves who wrote a manifest, not which backup it is for: one copied from another
   * backup's evidence verifies as well. Its own fields must name the place it was read from.
   */
  private void checkLocation(String path, String target, String backupId, Map<String, Object> manifest, List<Check> checks) {
    String name = "manifest location";
    Object id = manifest.get("backupId");
    Object t = manifest.get("target");
    if (backupId.equals(id) && target.equals(t)) {
      checks.add(new Check(name, true, "manifest names backup " + backupId + " of target " + target + ", where it was read from"));
    } else {
      checks.add(new Check(name, false, "manifest read from " + registry.locationOf(path) + " is for backup "
          + (id == null ? "(no backupId field)" : "'" + id + "'") + " of target " + (t == null ? "(no target field)" : "'" + t + "'")
          + ", not backup '" + backupId + "' of target '" + target + "': it was copied or moved from another backup's evidence"));
    }
  }

  /** The key id inside the signed payload must be the one the (unsigned-by-itself) JWS header names. */
  private static void checkSealedWith(String headerKid, Object field, List<Check> checks) {
    String name = "signing key";
    Object recorded = field instanceof Map<?, ?> m ? m.get("signingKeyId") : null;
    if (!(recorded instanceof String kid)) {
      checks.add(new Check(name, false, "manifest field '" + EvidenceActivitiesImpl.SEALED_WITH
          + ".signingKeyId' is missing; the JWS header names key " + headerKid));
    } else if (!kid.equals(headerKid)) {
      checks.add(new Check(name, false, "manifest says it was sealed with key " + kid + " but its JWS header names key "
          + headerKid));
    } else {
      checks.add(new Check(name, true, "manifest and JWS header both name key " + kid));
    }
  }

  /**
   * Returns the manifest body even when the signature fails, so the other checks still run;
   * {@code verifiedKid[0]} is the header's key id when the signature verified.
   */
  private Map<String, Object> checkSignature(String path, List<Check> checks, String[] verifiedKid) {
    String name = "manifest signature";
    String compact;
    try {
      Optional<byte[]> stored = registry.get(path);
      if (stored.isEmpty()) {
        checks.add(new Check(name, false, "no sealed manifest at " + registry.locationOf(path)));
        return null;
      }
      compact = new String(stored.get(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      checks.add(new Check(name, false, "cannot read " + registry.locationOf(path) + ": " + e.getMessage()));
      return null;
    }
    try {
      Jws.Verified v = Jws.verify(compact, keys);
      checks.add(new Check(name, true, "signed by " + v.header().kid() + " (" + v.header().alg() + ")"));
      verifiedKid[0] = v.header().kid();
      return parse(v.payload());
    } catch (JwsException | IOException e) {
      checks.add(new Check(name, false, "manifest " + registry.locationOf(path) + ": " + e.getMessage()));
      try {
        return parse(Jws.unverifiedPayload(compact));
      } catch (JwsException | IOException unreadable) {
        checks.add(new Check("manifest", false, "manifest body is unreadable: " + unreadable.getMessage()));
        return null;
      }
    }
  }

  private void checkChain(String chain, List<Check> checks) {
    try {
      AuditChain.Head head = new AuditChain(registry).verify(chain);
      checks.add(head.sequence() == 0
          ? new Check("audit chain", false, "audit chain " + chain + " has no entries")
          : new Check("audit chain", true, head.sequence() + " entries linked, head sha256 " + head.hash()));
    } catch (BrokenChainException | IOException e) {
      checks.add(new Check("audit chain", false, e.getMessage()));
    }
  }

  private void checkAuditHead(String chain, Object field, List<Check> checks) {
    String name = "audit head";
    if (!(field instanceof Map<?, ?> head) || !(head.get("sequence") instanceof Number seq) || !(head.get("hash") instanceof String hash)) {
      checks.add(new Check(name, false, "manifest field 'auditHead' must be {\"sequence\": number, \"hash\": hex sha256}, found " + field));
      return;
    }
    try {
      Optional<String> actual = new AuditChain(registry).entryHash(chain, seq.longValue());
      if (actual.isEmpty()) {
        checks.add(new Check(name, false, "manifest auditHead names audit entry " + seq + ", which does not exist"));
      } else if (!actual.get().equals(hash)) {
        checks.add(new Check(name, false, "audit entry " + seq + " hashes to " + actual.get() + " but the manifest's auditHead says " + hash));
      } else {
        checks.add(new Check(name, true, "audit entry " + seq + " matches the manifest"));
      }
    } catch (IOException e) {
      checks.add(new Check(name, false, "cannot read audit entry " + seq + ": " + e.getMessage()));
    }
  }

  private void checkArtifacts(Object field, List<Check> checks) {
    if (!(field instanceof List<?> list) || list.isEmpty()) {
      checks.add(new Check("artifacts", false, "manifest field 'artifacts' lists no artifacts"));
      return;
    }
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> a) || !(a.get("key") instanceof String key) || !(a.get("sha256") instanceof String sha)
          || !(a.get("storedBytes") instanceof Number size)) {
        checks.add(new Check("artifacts", false, "manifest artifact entry must be {key, sha256, storedBytes}, found " + o));
        continue;
      }
      checks.add(checkArtifact(key, sha, size.longValue()));
    }
  }

  private Check checkArtifact(String key, String expectedSha, long expectedSize) {
    String name = "artifact " + key;
    try {
      if (!store.exists(key)) {
        return new Check(name, false, name + ": not found at " + store.locationOf(key));
      }
      long size = store.size(key);
      if (size != expectedSize) {
        return new Check(name, false, name + ": size is " + size + " bytes but the manifest says " + expectedSize);
      }
      String sha;
      try (InputStream in = store.open(key)) {
        sha = Digests.sha256Hex(in);
      }
      if (!sha.equalsIgnoreCase(expectedSha)) {
        return new Check(name, false, name + ": sha256 is " + sha + " but the manifest says " + expectedSha);
      }
      return new Check(name, true, name + ": " + size + " bytes, sha256 " + sha);
    } catch (IOException e) {
      return new Check(name, false, name + ": cannot read " + store.locationOf(key) + ": " + e.getMessage());
    }
  }

  private static Map<String, Object> parse(byte[] payload) throws IOException {
    return CanonicalJson.mapper().readValue(payload, new TypeReference<Map<String, Object>>() {});
  }
}
