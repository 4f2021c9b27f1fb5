package io.dbrunbooks.workflows.monitoring;

import java.util.List;

/** Answer of the freshness check's {@code progress} query. */
public record FreshnessProgress(String target, String phase, List<OpenAlert> open) {}
