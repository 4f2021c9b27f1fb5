package io.dbrunbooks.workflows.drill;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An application's own check of the restored copy, like a {@code dr-restore-smoke} CI job: the
 * drill runs {@code command} on the worker's host with {@code PGHOST}, {@code PGPORT}, {@code
 * PGDATABASE} and {@code PGUSER} (and the target's password in {@code PGPASSWORD}, never recorded)
 * pointing at the copy. Exit 0 passes.
 *
 * @param command an absolute program path, then its arguments; no shell
 * @param timeoutSeconds killed after this long (default 300, at most 3600)
 */
public record SmokeCommand(List<String> command, Integer timeoutSeconds) {
  public static final int DEFAULT_TIMEOUT_SECONDS = 300;
  public static final int MAX_TIMEOUT_SECONDS = 3600;

  public SmokeCommand {
    command = command == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(command));
  }

  public int timeoutOrDefault() {
    return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
  }
}
