package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.activities.config.ConfigException;
import java.nio.file.Path;
import java.util.List;

/**
 * The schedules file is not usable: every problem found, one a line, each
 * {@code file:line:column: field.path: problem}. The CLI exits 2 with it (as for the targets file).
 */
public final class SchedulesFileException extends ConfigException {
  private final List<String> problems;

  SchedulesFileException(Path file, List<String> problems) {
    super(file, problems.get(0), null);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  @Override
  public String getMessage() {
    return String.join("\n", problems);
  }
}
