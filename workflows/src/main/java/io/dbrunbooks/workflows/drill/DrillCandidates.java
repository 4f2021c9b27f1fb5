package io.dbrunbooks.workflows.drill;

import java.util.List;

/**
 * What a drill can choose from, and what it is judged against.
 *
 * @param backups sealed physical backups present in the store, newest first
 * @param passedOver backups left out and why (unreadable manifest, artifact missing, not physical)
 */
public record DrillCandidates(DrillObjectives objectives, List<BackupCandidate> backups, List<String> passedOver) {}
