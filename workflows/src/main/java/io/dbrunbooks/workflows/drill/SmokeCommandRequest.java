package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.restore.RestoreEnvironment;

/** Runs {@code command} against the restored copy in {@code environment}. */
public record SmokeCommandRequest(String target, RestoreEnvironment environment, SmokeCommand command) {}
