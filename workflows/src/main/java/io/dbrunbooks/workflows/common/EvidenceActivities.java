package io.dbrunbooks.workflows.common;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The write-once evidence registry: hash-chained audit entries and signed manifests. */
@ActivityInterface
public interface EvidenceActivities {

  /** Appends one audit entry; idempotent for an identical retry of the same sequence number. */
  @ActivityMethod(name = "AppendAudit")
  AuditRecord appendAudit(AuditAppend append);

  /**
   * Signs {@code request.manifest()} with the target's signing key and writes it once to the
   * evidence registry. A retry after a crash finds the sealed manifest and returns it unchanged.
   */
  @ActivityMethod(name = "SealManifest")
  SealedManifest sealManifest(SealRequest request);
}
