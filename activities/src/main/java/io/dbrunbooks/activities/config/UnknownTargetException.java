package io.dbrunbooks.activities.config;

import java.nio.file.Path;
import java.util.Set;

public class UnknownTargetException extends RuntimeException {
  public UnknownTargetException(String name, Path source, Set<String> known) {
    super("unknown target '" + name + "': " + source + " defines " + (known.isEmpty() ? "no targets" : String.join(", ", known)));
  }
}
