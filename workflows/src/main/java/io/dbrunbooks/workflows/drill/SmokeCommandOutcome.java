package io.dbrunbooks.workflows.drill;

import java.util.List;

/**
 * How the application's smoke command ended.
 *
 * @param exitCode the program's exit status; -1 when it timed out or could not start
 * @param lastLines the last lines it wrote (stdout and stderr together), the target's password masked
 * @param environment the connection variables it was given (no password), e.g. {@code PGHOST=127.0.0.1}
 */
public record SmokeCommandOutcome(
    List<String> command, int exitCode, boolean timedOut, double seconds, List<String> lastLines, List<String> environment) {

  public boolean passed() {
    return exitCode == 0 && !timedOut;
  }
}
