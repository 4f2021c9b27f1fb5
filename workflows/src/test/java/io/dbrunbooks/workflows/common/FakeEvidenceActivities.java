package io.dbrunbooks.workflows.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory evidence registry that enforces what the real one does: contiguous, write-once. */
public class FakeEvidenceActivities implements EvidenceActivities {
  public final List<AuditAppend> entries = new CopyOnWriteArrayList<>();
  public final Map<String, Map<String, Object>> manifests = new ConcurrentHashMap<>();
  public volatile RuntimeException sealFailure;
  /** Appends of this action fail, as a registry that went read-only mid-run would. */
  public volatile String failAction;
  private final Map<String, String> hashes = new ConcurrentHashMap<>();

  @Override
  public AuditRecord appendAudit(AuditAppend a) {
    if (a.event().action().equals(failAction)) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure("evidence registry is read-only", "EvidenceUnwritable");
    }
    String previous = a.sequence() == 1 ? "0".repeat(64) : hashes.get(a.chain() + "#" + (a.sequence() - 1));
    if (previous == null) {
      throw new IllegalStateException("audit entry " + (a.sequence() - 1) + " missing in " + a.chain());
    }
    String hash = sha256(previous + a.event());
    if (hashes.putIfAbsent(a.chain() + "#" + a.sequence(), hash) != null) {
      throw new IllegalStateException("audit entry " + a.sequence() + " written twice");
    }
    entries.add(a);
    return new AuditRecord(a.chain(), a.sequence(), previous, hash);
  }

  @Override
  public SealedManifest sealManifest(SealRequest r) {
    if (sealFailure != null) {
      throw sealFailure;
    }
    manifests.put(r.path(), r.manifest());
    return new SealedManifest("file:/evidence/" + r.path() + ".jws", sha256(r.manifest().toString()), "local:sign-1", "EdDSA");
  }

  public List<String> actions() {
    return entries.stream().map(e -> e.event().action()).toList();
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
