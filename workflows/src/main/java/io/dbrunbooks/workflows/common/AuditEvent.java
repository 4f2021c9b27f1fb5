package io.dbrunbooks.workflows.common;

import java.util.Map;

/**
 * One entry of a run's audit trail: who did what to which resource, when, and how it ended.
 *
 * <p>The timestamp comes from workflow time, so a retried append carries exactly the same event and
 * the registry can tell a retry (same bytes) from a conflicting write (different bytes). Metadata
 * holds artifact checksums, key ids, LSNs, approvals; never a secret.
 *
 * @param timestamp ISO-8601 UTC instant of workflow time
 * @param action dotted verb, e.g. {@code backup.taken}
 * @param resource what was acted on, e.g. {@code target/orders/backup/orders-20261121T104107Z-3fa2c1}
 * @param user the operator who started the run
 * @param status {@code started}, {@code succeeded} or {@code failed}
 */
public record AuditEvent(
    String timestamp,
    String action,
    String resource,
    String user,
    String status,
    Map<String, String> metadata) {

  public AuditEvent {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
