package io.dbrunbooks.activities.pgbouncer;

/**
 * One timed step of a switch: {@code pause}, {@code repoint}, {@code reload}, {@code resume}
 * or {@code verify}.
 *
 * @param detail what the step found or did, for the audit trail (never a secret)
 */
public record SwitchStep(String name, long millis, String detail) {}
