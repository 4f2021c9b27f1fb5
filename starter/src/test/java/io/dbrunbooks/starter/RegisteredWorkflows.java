package io.dbrunbooks.starter;

import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The workflow types the worker registers, by the name {@code temporal workflow start --type}
 * uses, each with the request record its input binds to. Read from the worker's own
 * {@link Registrations} and the workflow interfaces' annotations, so a runbook added there is known
 * here without an edit.
 */
final class RegisteredWorkflows {
  /**
   * One registered workflow type.
   *
   * @param request the record inside {@code RunbookInput<...>}; null when the workflow method takes
   *     something else
   * @param parameter the workflow method's declared parameter type, as the SDK decodes it
   */
  record Runbook(String type, Class<?> implementation, Method method, Class<?> request, Type parameter) {}

  /** An update or signal handler of a registered workflow type, and the type its input binds to. */
  record Handler(String workflowType, String kind, String name, Class<?> input) {}

  private RegisteredWorkflows() {}

  /** The implementation classes the worker registers (built for a worker without targets). */
  static List<Class<?>> implementations() {
    TargetsConfig none = new TargetsConfig(Path.of("docs-check-targets.yaml"), Map.of());
    return Registrations.forConfig(none, Map.of()).workflowTypes();
  }

  /** Every registered type by name. */
  static Map<String, Runbook> byType() {
    Map<String, Runbook> all = new TreeMap<>();
    for (Class<?> impl : implementations()) {
      for (Class<?> iface : impl.getInterfaces()) {
        if (!iface.isAnnotationPresent(WorkflowInterface.class)) {
          continue;
        }
        for (Method m : iface.getMethods()) {
          WorkflowMethod wm = m.getAnnotation(WorkflowMethod.class);
          if (wm == null) {
            continue;
          }
          String type = wm.name().isEmpty() ? iface.getSimpleName() : wm.name();
          Type parameter = m.getParameterCount() == 1 ? m.getGenericParameterTypes()[0] : null;
          all.put(type, new Runbook(type, impl, m, requestRecord(parameter), parameter));
        }
      }
    }
    return all;
  }

  /**
   * Every update and signal of the registered workflow types that takes one argument, by name
   * (several workflows may use one name).
   */
  static Map<String, List<Handler>> handlersByName() {
    Map<String, List<Handler>> all = new TreeMap<>();
    for (Runbook runbook : byType().values()) {
      for (Method m : runbook.method().getDeclaringClass().getMethods()) {
        UpdateMethod update = m.getAnnotation(UpdateMethod.class);
        SignalMethod signal = m.getAnnotation(SignalMethod.class);
        if ((update == null && signal == null) || m.getParameterCount() != 1) {
          continue;
        }
        String declared = update != null ? update.name() : signal.name();
        String name = declared.isEmpty() ? m.getName() : declared;
        all.computeIfAbsent(name, k -> new ArrayList<>())
            .add(new Handler(runbook.type(), update != null ? "update" : "signal", name, m.getParameterTypes()[0]));
      }
    }
    return all;
  }

  /** {@code BackupRequest} for {@code RunbookInput<BackupRequest>}; null for any other parameter. */
  private static Class<?> requestRecord(Type parameter) {
    if (parameter instanceof ParameterizedType p && p.getRawType() == RunbookInput.class
        && p.getActualTypeArguments()[0] instanceof Class<?> c) {
      return c;
    }
    return null;
  }
}
