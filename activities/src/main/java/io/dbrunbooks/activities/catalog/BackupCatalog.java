package io.dbrunbooks.activities.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import io.dbrunbooks.activities.store.BackupStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A target's backups as its sealed manifests describe them, newest first, each marked present or
 * missing in the store. Evidence is the source of truth: the catalog survives a store cleanup and
 * cannot list a backup that was never verified and sealed.
 *
 * <p>This reads manifests without checking signatures, which is right for listing and planning;
 * anything that acts on a backup's content (a restore) verifies the signature first.
 */
public final class BackupCatalog {
  private BackupCatalog() {}

  /**
   * One sealed backup. Fields a manifest lacks are null; {@code error} is set for an unreadable manifest.
   * {@code backupClass} is null for an unclassed backup, which every manifest sealed before classes is.
   */
  public record Entry(String backupId, String target, String method, String sealedAt, List<String> artifactKeys,
      Long storedBytes, String sha256, boolean present, String startLsn, String stopLsn, int timeline,
      String startedAt, String finishedAt, String systemIdentifier, String operator, String ticket,
      String manifestPath, String manifestLocation, String error, String backupClass) {

    public boolean physical() {
      return "physical".equals(method);
    }

    /** When the backup's tool finished: the earliest moment it can be restored to. */
    public Optional<Instant> finished() {
      return parse(finishedAt);
    }

    public Optional<Instant> sealed() {
      return parse(sealedAt);
    }
  }

  /** Every sealed backup manifest of {@code target}, newest first by seal time. */
  public static List<Entry> read(EvidenceRegistry registry, BackupStore store, String target) throws IOException {
    String base = target + "/backups/";
    List<Entry> entries = new ArrayList<>();
    for (String path : registry.list(base)) {
      if (!path.endsWith("/manifest.jws")) {
        continue; // audit entries live beside the manifest
      }
      Optional<byte[]> jws = registry.get(path);
      if (jws.isEmpty()) {
        continue;
      }
      String id = path.substring(base.length(), path.length() - "/manifest.jws".length());
      Map<String, Object> m;
      try {
        m = CanonicalJson.mapper().readValue(Jws.unverifiedPayload(new String(jws.get(), StandardCharsets.US_ASCII)),
            new TypeReference<Map<String, Object>>() {});
      } catch (JwsException | IOException e) {
        entries.add(new Entry(id, target, null, null, List.of(), null, null, false, null, null, 0, null, null, null, null,
            null, path, registry.locationOf(path), "unreadable manifest: " + e.getMessage(), null));
        continue;
      }
      entries.add(entry(m, target, store, path, registry.locationOf(path)));
    }
    entries.sort(Comparator.comparing((Entry e) -> e.sealed().orElse(Instant.EPOCH)).reversed());
    return entries;
  }

  private static Entry entry(Map<String, Object> m, String target, BackupStore store, String path, String location)
      throws IOException {
    List<String> keys = new ArrayList<>();
    Long stored = null;
    String sha = null;
    boolean present = true;
    if (m.get("artifacts") instanceof List<?> artifacts && !artifacts.isEmpty()) {
      long total = 0;
      for (Object o : artifacts) {
        if (o instanceof Map<?, ?> a && a.get("key") instanceof String key) {
          keys.add(key);
          present &= store.exists(key);
          if (a.get("storedBytes") instanceof Number n) {
            total += n.longValue();
          }
          if (sha == null && a.get("sha256") instanceof String s) {
            sha = s;
          }
        } else {
          present = false;
        }
      }
      stored = total;
    } else {
      present = false;
    }
    Map<?, ?> artifact = m.get("artifact") instanceof Map<?, ?> a ? a : Map.of();
    Map<?, ?> precheck = m.get("precheck") instanceof Map<?, ?> p ? p : Map.of();
    int timeline = artifact.get("timeline") instanceof Number n ? n.intValue() : 0;
    return new Entry(str(m, "backupId"), target, str(m, "method"), str(m, "sealedAt"), List.copyOf(keys), stored, sha,
        present, str(artifact, "startLsn"), str(artifact, "stopLsn"), timeline, str(artifact, "startedAt"),
        str(artifact, "finishedAt"), str(precheck, "systemIdentifier"), str(m, "operator"), str(m, "ticket"), path,
        location, null, str(m, "backupClass"));
  }

  private static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v == null ? null : v.toString();
  }

  private static Optional<Instant> parse(String instant) {
    try {
      return instant == null ? Optional.empty() : Optional.of(Instant.parse(instant));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
