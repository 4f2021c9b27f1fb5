package io.dbrunbooks.starter.schedules;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A schedules file, validated and bound. {@code where} turns a field path such as
 * {@code schedules[1].target} into {@code file:line:column} (no trailing colon) for messages about the file found later
 * (an unknown target at sync).
 */
public record SchedulesFile(Path source, List<ScheduleEntry> schedules, Function<String, String> where) {

  /** The file name beside the targets file that {@code runbooks schedules sync} reads by default. */
  public static final String DEFAULT_NAME = "schedules.yaml";
}
