package io.dbrunbooks.activities.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker's targets file, validated. Loaded by {@link TargetsConfigLoader}; every target name a
 * workflow carries is resolved here.
 *
 * @param source the file it was read from, for error messages
 */
public record TargetsConfig(Path source, Map<String, TargetConfig> targets) {

  public TargetsConfig {
    targets = Map.copyOf(targets);
  }

  /** @throws UnknownTargetException naming the configured targets when {@code name} is not one */
  public TargetConfig target(String name) {
    TargetConfig t = targets.get(name);
    if (t == null) {
      throw new UnknownTargetException(name, source, new TreeMap<>(targets).keySet());
    }
    return t;
  }
}
