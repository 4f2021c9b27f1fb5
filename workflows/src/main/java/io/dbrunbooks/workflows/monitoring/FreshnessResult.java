package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/** What one check saw and changed. */
public record FreshnessResult(
    FreshnessObservation observation, List<OpenAlert> raised, List<OpenAlert> resolved, List<OpenAlert> open) {}
