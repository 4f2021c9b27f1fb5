package io.dbrunbooks.workflows.restore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Input of {@link PointInTimeRestoreWorkflow}. Names only: hosts, credentials and directories live
 * in the worker's targets file.
 *
 * @param target name of a target in the worker's targets file
 * @param recoveryTarget where recovery stops; required
 * @param backupId base backup to start from; default: the newest physical backup that ends at or
 *     before the recovery target
 * @param mode {@code isolated} (default) or {@code promote} (blue-green switchover through PgBouncer)
 * @param smokeQueries run against the restored cluster; any error fails the restore
 * @param keepOnFailure leave a failed (or, in promote mode, aborted or rolled back) restore's cluster
 *     and directory in place for investigation
 * @param dryRun report the plan (backup, WAL range, bytes to move) and stop; nothing is provisioned
 * @param operator who asked; required
 * @param ticket change or incident reference for the evidence; optional
 * @param restoreId the id of this restore (its directory, chain and cluster name); leave it out. A parent runbook
 *     that must tear the copy down whatever happens (the restore drill) chooses a new one and registers that
 *     teardown before it starts the restore; it must start with {@code <target>-} and name no existing restore
 */
public record RestoreRequest(
    String target,
    RecoveryTarget recoveryTarget,
    String backupId,
    RestoreMode mode,
    List<SmokeQuery> smokeQueries,
    boolean keepOnFailure,
    boolean dryRun,
    String operator,
    String ticket,
    // Last, and null in histories written before it: the restore makes up its own id.
    String restoreId) {

  public RestoreRequest {
    // A copy that keeps null entries: validation names them rather than failing to decode.
    smokeQueries = smokeQueries == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(smokeQueries));
  }

  /** A restore that chooses its own id. */
  public RestoreRequest(String target, RecoveryTarget recoveryTarget, String backupId, RestoreMode mode,
      List<SmokeQuery> smokeQueries, boolean keepOnFailure, boolean dryRun, String operator, String ticket) {
    this(target, recoveryTarget, backupId, mode, smokeQueries, keepOnFailure, dryRun, operator, ticket, null);
  }

  public RestoreMode modeOrDefault() {
    return mode == null ? RestoreMode.ISOLATED : mode;
  }
}
