package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.SealedManifest;

/**
 * Result of a {@link PointInTimeRestoreWorkflow} run. A dry run carries the plan only.
 *
 * @param rtoSeconds from the request (workflow start) to the restored cluster passing its checks
 * @param switchover mode promote only: approvals, the switch, the bake, blue's fate; null in mode isolated
 */
public record RestoreResult(
    String restoreId,
    String target,
    boolean dryRun,
    RestorePlan plan,
    RestoreEnvironment environment,
    RecoveredPoint recovered,
    RestoreChecks checks,
    double rtoSeconds,
    SealedManifest manifest,
    boolean notified,
    SwitchoverReport switchover) {}
