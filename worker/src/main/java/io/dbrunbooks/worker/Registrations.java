package io.dbrunbooks.worker;

import io.dbrunbooks.activities.config.TargetsConfig;
import java.util.List;

/**
 * Everything the worker registers: workflow implementation classes and activity implementation
 * objects, built from the targets configuration. The single place that knows the list, so the
 * worker, the demo and the end-to-end tests register the same things.
 */
public record Registrations(List<Class<?>> workflowTypes, List<Object> activities) {

  public Registrations {
    workflowTypes = List.copyOf(workflowTypes);
    activities = List.copyOf(activities);
  }

  /** The registrations for {@code config}; filled in by the runbooks. */
  public static Registrations forConfig(TargetsConfig config) {
    // filled in by the runbooks
    return new Registrations(List.of(), List.of());
  }
}
