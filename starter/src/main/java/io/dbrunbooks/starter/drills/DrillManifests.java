package io.dbrunbooks.starter.drills;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.activities.evidence.AuditChain;
import io.dbrunbooks.activities.evidence.BrokenChainException;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every drill of a target from its sealed manifests in the evidence registry, each checked offline:
 * the JWS signature with the target's verification key, the audit chain intact and holding the head
 * the manifest commits to. A manifest that fails a check is still listed, marked, never dropped.
 */
final class DrillManifests {
  private DrillManifests() {}

  static List<DrillRecord> read(EvidenceRegistry registry, PublicKeyLookup keys, String target) throws IOException {
    String base = target + "/drills/";
    List<DrillRecord> rows = new ArrayList<>();
    for (String path : registry.list(base)) {
      if (!path.endsWith("/manifest.jws")) {
        continue; // the audit entries live beside the manifest
      }
      Optional<byte[]> bytes = registry.get(path);
      if (bytes.isPresent()) {
        rows.add(record(registry, keys, path, path.substring(base.length(), path.length() - "/manifest.jws".length()),
            new String(bytes.get(), StandardCharsets.US_ASCII)));
      }
    }
    rows.sort(Comparator.comparing((DrillRecord r) -> r.startedAt() == null ? "" : r.startedAt()));
    return rows;
  }

  private static DrillRecord record(EvidenceRegistry registry, PublicKeyLookup keys, String path, String id, String jws)
      throws IOException {
    List<String> evidence = new ArrayList<>();
    boolean ok = true;
    JsonNode m;
    try {
      Jws.Verified v = Jws.verify(jws, keys);
      evidence.add("signature verified (kid " + v.header().kid() + ")");
      m = CanonicalJson.mapper().readTree(v.payload());
    } catch (JwsException e) {
      ok = false;
      evidence.add("signature NOT verified: " + e.getMessage());
      try {
        m = CanonicalJson.mapper().readTree(Jws.unverifiedPayload(jws));
      } catch (JwsException unreadable) {
        return new DrillRecord(id, null, null, "unreadable", false, List.of(unreadable.getMessage()), null, null, null, null, null,
            null, null, null, null, registry.locationOf(path), false, evidence);
      }
    }
    JsonNode head = m.path("auditHead");
    String chain = text(m, "auditChain");
    if (chain != null && head.has("sequence")) {
      try {
        AuditChain audit = new AuditChain(registry);
        audit.verify(chain);
        Optional<String> at = audit.entryHash(chain, head.get("sequence").asLong());
        if (at.isPresent() && at.get().equals(head.path("hash").asText())) {
          evidence.add("audit chain " + chain + " intact, entry " + head.get("sequence").asLong() + " matches the manifest");
        } else {
          ok = false;
          evidence.add("audit entry " + head.get("sequence").asLong() + " of " + chain + " does not match the manifest's head");
        }
      } catch (BrokenChainException e) {
        ok = false;
        evidence.add("audit chain " + chain + " broken: " + e.getMessage());
      }
    } else {
      ok = false;
      evidence.add("the manifest commits to no audit head");
    }
    List<String> failures = new ArrayList<>();
    m.path("failures").forEach(f -> failures.add(f.asText()));
    JsonNode o = m.path("objectives");
    JsonNode rpo = m.path("rpo");
    return new DrillRecord(id, text(m, "startedAt"), text(m, "scenario"), text(m, "outcome"), m.path("passed").asBoolean(false),
        failures, text(m.path("selection"), "backupId"), text(m.path("selection"), "recoveryTarget"), number(m, "rtoSeconds"),
        number(rpo, "seconds"), rpo.has("bytes") ? rpo.get("bytes").asLong() : null, number(o, "rtoSeconds"),
        number(o, "rpoSeconds"), text(o, "environment"), text(m.path("cleanup"), "outcome"), registry.locationOf(path), ok,
        evidence);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asText();
  }

  private static Double number(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isNumber() ? v.asDouble() : null;
  }
}
