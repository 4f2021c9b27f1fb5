package io.dbrunbooks.starter.drills;

import java.util.List;

/**
 * One drill as its sealed manifest tells it, with the verdict on that evidence.
 *
 * @param evidenceOk the manifest's signature verifies with the target's key and its audit chain is intact up to
 *     the head the manifest commits to
 * @param evidence one line per check made, e.g. "signature verified (kid local:sign-...)"
 */
public record DrillRecord(
    String drillId,
    String startedAt,
    String scenario,
    String outcome,
    boolean passed,
    List<String> failures,
    String backupId,
    String recoveryTarget,
    Double rtoSeconds,
    Double rpoSeconds,
    Long rpoBytes,
    Double rtoObjectiveSeconds,
    Double rpoObjectiveSeconds,
    String environment,
    String cleanup,
    String manifest,
    boolean evidenceOk,
    List<String> evidence) {}
