package io.dbrunbooks.activities.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker's targets file, validated. Loaded by {@link TargetsConfigLoader}; every target name a
 * workflow carries is resolved here.
 *
 * @param source the file it was read from, for error messages
 * @param objectives each target's recovery objectives (its environment's, or its own {@code drill:} block's)
 */
public record TargetsConfig(Path source, Map<String, TargetConfig> targets, Map<String, RecoveryObjectives> objectives) {

  public TargetsConfig {
    targets = Map.copyOf(targets);
    objectives = objectives == null ? Map.of() : Map.copyOf(objectives);
  }

  /** Targets with the default objectives of {@link RecoveryObjectives#DEFAULT_ENVIRONMENT}. */
  public TargetsConfig(Path source, Map<String, TargetConfig> targets) {
    this(source, targets, Map.of());
  }

  /** The recovery objectives of {@code name}; the default environment's when the file says nothing. */
  public RecoveryObjectives objectivesOf(String name) {
    RecoveryObjectives o = objectives.get(name);
    return o != null ? o : RecoveryObjectives.defaultFor(RecoveryObjectives.DEFAULT_ENVIRONMENT);
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
