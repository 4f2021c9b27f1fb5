package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.SealedManifest;

/** Result of a successful {@link BackupWorkflow} run. */
public record BackupResult(
    String backupId,
    String target,
    BackupMethod method,
    PrecheckReport precheck,
    BackupArtifact artifact,
    VerificationReport verification,
    SealedManifest manifest,
    boolean notified,
    double durationSeconds) {}
