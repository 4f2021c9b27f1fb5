package io.dbrunbooks.activities.config;

import java.nio.file.Path;

/**
 * The targets file is not usable. The message is meant for the person editing the file: it starts
 * with {@code file:line:column: field.path:} (or just {@code file:} when the problem is the file as
 * a whole) followed by what is wrong. It never contains a secret value.
 */
public class ConfigException extends RuntimeException {
  private final Path file;
  private final int line;
  private final int column;
  private final String field;

  /** A problem at a place in the file. {@code line} and {@code column} are 1-based. */
  public ConfigException(Path file, int line, int column, String field, String problem) {
    super(file + ":" + line + ":" + column + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
    this.file = file;
    this.line = line;
    this.column = column;
    this.field = field;
  }

  /** A problem with the file as a whole (missing, unreadable). */
  public ConfigException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
    this.line = 0;
    this.column = 0;
    this.field = "";
  }

  public Path file() {
    return file;
  }

  /** 1-based; 0 when the problem is not at a place in the file. */
  public int line() {
    return line;
  }

  /** 1-based; 0 when the problem is not at a place in the file. */
  public int column() {
    return column;
  }

  /** Dotted path of the offending field, e.g. {@code targets.orders.connection.port}; may be empty. */
  public String field() {
    return field;
  }
}
