package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.common.SealedManifest;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import java.util.List;

/**
 * Result of a {@link RestoreDrillWorkflow} run that got as far as a verdict. A drill whose restore
 * or validation failed ends as a failed workflow instead (its manifest is sealed all the same).
 *
 * @param passed restored, validated, and within both objectives
 * @param failures one line per reason it did not pass; empty when it passed
 * @param rtoSeconds drill start to a restored, validated copy
 * @param rpo measured with recovery {@code latest}; null with {@code random}
 */
public record DrillResult(
    String drillId,
    String target,
    String scenario,
    boolean passed,
    List<String> failures,
    String backupId,
    RecoveryTarget recoveryTarget,
    String restoreId,
    LossMoment loss,
    double rtoSeconds,
    RecoveryPointGap rpo,
    DrillObjectives objectives,
    SmokeCommandOutcome smokeCommand,
    DrillCleanup cleanup,
    SealedManifest manifest,
    boolean notified) {}
