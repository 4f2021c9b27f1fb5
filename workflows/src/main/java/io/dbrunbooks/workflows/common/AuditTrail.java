package io.dbrunbooks.workflows.common;

import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;

/**
 * A run's audit trail, kept from workflow code: it numbers entries and remembers the chain head so
 * the sealed manifest can commit to it. Each entry is one {@link EvidenceActivities#appendAudit}
 * call; numbering in the workflow makes a retried append land on the same slot.
 */
public final class AuditTrail {
  private static final Logger log = Workflow.getLogger(AuditTrail.class);

  private final EvidenceActivities evidence;
  private final String target;
  private final String chain;
  private final String resource;
  private final String user;
  private long sequence;
  private AuditRecord head;

  public AuditTrail(EvidenceActivities evidence, String target, String chain, String resource, String user) {
    this.evidence = evidence;
    this.target = target;
    this.chain = chain;
    this.resource = resource;
    this.user = user;
  }

  /** Appends an entry stamped with workflow time; a failure to write evidence fails the caller. */
  public AuditRecord record(String action, String status, Map<String, String> metadata) {
    AuditEvent event =
        new AuditEvent(Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString(), action, resource, user, status, metadata);
    head = evidence.appendAudit(new AuditAppend(target, chain, sequence + 1, event));
    sequence = head.sequence();
    return head;
  }

  /**
   * Like {@link #record} but for failure paths: when the registry itself is what failed, the run
   * must still compensate and notify, so the lost entry is logged instead of thrown.
   */
  public void recordBestEffort(String action, String status, Map<String, String> metadata) {
    try {
      record(action, status, metadata);
    } catch (ActivityFailure e) {
      log.error("audit entry {} for {} could not be written: {}", action, chain, e.getMessage());
    }
  }

  /** Audit metadata from key/value pairs, in order, skipping null values. */
  public static Map<String, String> meta(String... kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  public String chain() {
    return chain;
  }

  /** The last entry written, or null before the first. */
  public AuditRecord head() {
    return head;
  }
}
