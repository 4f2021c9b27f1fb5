package io.dbrunbooks.activities.config;

import java.nio.file.Path;

/**
 * Where point-in-time restores of a target build their isolated clusters, on the worker's host.
 *
 * @param directory restore root: each restore gets {@code <directory>/<restore id>} and removes only that
 * @param portFrom first port to use, or 0 for any free port
 * @param portTo last port to use (inclusive), or 0 for any free port
 */
public record RestoreConfig(Path directory, int portFrom, int portTo) {

  /** True when ports come from the operating system rather than a configured range. */
  public boolean anyFreePort() {
    return portFrom == 0;
  }
}
