package io.dbrunbooks.workflows.backup;

/** Sent by a long activity to its workflow (signal {@code reportProgress}), at most every few seconds. */
public record ByteProgress(long bytes, double throughputBytesPerSecond) {}
