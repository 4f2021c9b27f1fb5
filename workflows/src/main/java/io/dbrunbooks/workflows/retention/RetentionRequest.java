package io.dbrunbooks.workflows.retention;

/**
 * Apply a target's retention policy.
 *
 * @param dryRun plan only: report what would be expired, delete nothing, seal nothing
 * @param operator who asked (a person, or {@code backup/<target>} after a backup)
 * @param trigger why it runs, e.g. {@code on-demand} or {@code after backup orders-20261121T104107Z-3fa2c1}
 */
public record RetentionRequest(String target, boolean dryRun, String operator, String trigger) {}
