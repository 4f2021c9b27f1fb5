package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sealed manifests of a target's backups, read from its evidence registry, newest first. A
 * catalog, not a proof: signatures are not checked here ({@link EvidenceVerifier} does that for the
 * backup one is about to rely on). Shared by {@code runbooks backups list} and restore planning.
 */
public final class BackupCatalog {

  /**
   * One manifest at {@code <target>/backups/<backupId>/manifest.jws}.
   *
   * @param manifest the manifest body, or null when it could not be read
   * @param unreadable why the manifest could not be read, or null
   */
  public record Entry(String backupId, String location, Map<String, Object> manifest, String unreadable) {

    /** A top-level field as text, or null. */
    public String field(String key) {
      Object v = manifest == null ? null : manifest.get(key);
      return v == null ? null : v.toString();
    }

    /** A field of a nested object such as {@code wal.stopLsn}, or null. */
    public String field(String object, String key) {
      Object o = manifest == null ? null : manifest.get(object);
      Object v = o instanceof Map<?, ?> m ? m.get(key) : null;
      return v == null ? null : v.toString();
    }

    /** When it was sealed; the epoch when unknown, so unreadable entries sort last. */
    public Instant sealedAt() {
      try {
        return Instant.parse(field("sealedAt"));
      } catch (RuntimeException e) {
        return Instant.EPOCH;
      }
    }
  }

  private BackupCatalog() {}

  public static List<Entry> read(EvidenceRegistry registry, String target) throws IOException {
    String prefix = target + "/backups/";
    List<Entry> entries = new ArrayList<>();
    for (String path : registry.list(prefix)) {
      if (!path.endsWith("/manifest.jws")) {
        continue; // audit entries live beside the manifest
      }
      Optional<byte[]> jws = registry.get(path);
      if (jws.isEmpty()) {
        continue;
      }
      String id = path.substring(prefix.length(), path.length() - "/manifest.jws".length());
      try {
        Map<String, Object> m = CanonicalJson.mapper().readValue(
            Jws.unverifiedPayload(new String(jws.get(), StandardCharsets.US_ASCII)), new TypeReference<Map<String, Object>>() {});
        entries.add(new Entry(id, registry.locationOf(path), m, null));
      } catch (JwsException | IOException e) {
        entries.add(new Entry(id, registry.locationOf(path), null, e.getMessage()));
      }
    }
    entries.sort(Comparator.comparing(Entry::sealedAt).reversed());
    return entries;
  }
}
