package io.dbrunbooks.workflows.backup;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** The backup runbook's vocabulary. Implemented per engine in {@code activities/}. */
@ActivityInterface
public interface BackupActivities {

  /**
   * Connects, reads version, role and replication lag, and checks free space at the destination.
   * Fails non-retryably (type {@code ReplicationLagTooHigh}) when the lag is over the target's limit.
   */
  @ActivityMethod(name = "PrecheckBackup")
  PrecheckReport precheck(PrecheckRequest request);

  /**
   * Streams the tool's output through compression, encryption and hashing into the backup store,
   * heartbeating bytes written. A retry starts the artifact over under the same backup id; a
   * partial artifact never looks complete.
   */
  @ActivityMethod(name = "TakeBackup")
  BackupArtifact takeBackup(TakeBackupRequest request);

  /**
   * Re-reads the artifact from the store, recomputes checksums, decrypts, decompresses and runs the
   * engine's own verifier. Fails non-retryably (type {@code BackupVerificationFailed}) naming the
   * artifact that does not match.
   */
  @ActivityMethod(name = "VerifyBackup")
  VerificationReport verifyBackup(VerifyRequest request);

  /** Removes the backup's artifacts, complete or partial; returns the locations removed. */
  @ActivityMethod(name = "DeleteBackupArtifacts")
  List<String> deleteArtifacts(DeleteArtifactsRequest request);
}
