package io.dbrunbooks.workflows.retention;

import java.util.List;

/**
 * What {@link RetentionActivities#apply} removed.
 *
 * @param removedLocations store locations deleted for expired backups
 */
public record RetentionOutcome(List<String> expiredBackups, List<String> removedLocations, int walSegmentsRemoved,
    int walPartialsRemoved) {}
