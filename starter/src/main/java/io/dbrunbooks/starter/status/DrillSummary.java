package io.dbrunbooks.starter.status;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The newest restore drill of a target, from its sealed manifest ({@code <target>/drills/<id>/manifest}).
 * Drill ids sort by time like backup ids. Read without checking the signature, as the backup
 * catalog is: {@code runbooks evidence verify} does that.
 *
 * @param passed the manifest's {@code passed}; null when it has none
 * @param rtoSeconds the manifest's {@code rtoSeconds}
 * @param rpoSeconds the manifest's {@code rpo.seconds} (or a top-level {@code rpoSeconds})
 * @param rpoBytes the manifest's {@code rpo.bytes}
 */
public record DrillSummary(String drillId, Boolean passed, Double rtoSeconds, Double rpoSeconds, Long rpoBytes, String startedAt,
    String location, String error) {

  public static Optional<DrillSummary> newest(EvidenceRegistry registry, String target) throws IOException {
    String base = target + "/drills/";
    List<String> manifests = registry.list(base).stream().filter(p -> p.endsWith("/manifest.jws")).sorted().toList();
    if (manifests.isEmpty()) {
      return Optional.empty();
    }
    String path = manifests.get(manifests.size() - 1);
    String id = path.substring(base.length(), path.length() - "/manifest.jws".length());
    try {
      byte[] jws = registry.get(path).orElseThrow(() -> new IOException(path + " vanished"));
      Map<String, Object> m = CanonicalJson.mapper().readValue(Jws.unverifiedPayload(new String(jws, StandardCharsets.US_ASCII)),
          new TypeReference<Map<String, Object>>() {});
      Map<?, ?> rpo = m.get("rpo") instanceof Map<?, ?> r ? r : Map.of();
      Double rpoSeconds = rpo.containsKey("seconds") ? number(rpo.get("seconds")) : number(m.get("rpoSeconds"));
      Double rpoBytes = number(rpo.get("bytes"));
      return Optional.of(new DrillSummary(id, m.get("passed") instanceof Boolean b ? b : null, number(m.get("rtoSeconds")),
          rpoSeconds, rpoBytes == null ? null : rpoBytes.longValue(), m.get("startedAt") == null ? null : m.get("startedAt").toString(),
          registry.locationOf(path), null));
    } catch (JwsException | IOException e) {
      return Optional.of(new DrillSummary(id, null, null, null, null, null, registry.locationOf(path), "unreadable manifest: " + e.getMessage()));
    }
  }

  private static Double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : null;
  }
}
