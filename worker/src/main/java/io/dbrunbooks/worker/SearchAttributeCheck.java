package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Refuses to start a worker on a namespace where the {@link RunbookSearchAttributes} are not
 * registered: otherwise every run would fail at its first upsert, long after the operator has
 * walked away. The refusal gives the exact commands that fix it.
 */
public final class SearchAttributeCheck {

  private SearchAttributeCheck() {}

  /**
   * Lists the namespace's search attributes through the operator service (same address, TLS and
   * credentials as {@code service}).
   *
   * @throws StartupException naming each missing (or wrongly typed) attribute and the {@code
   *     temporal operator search-attribute create} command for each missing one
   */
  public static void verify(WorkflowServiceStubs service, String namespace) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder(service.getOptions()).validateAndBuildWithDefaults());
    ListSearchAttributesResponse listed;
    try {
      listed = operator.blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      throw new StartupException("cannot list the search attributes of namespace " + namespace + ": " + e.getStatus()
          + "; the worker needs " + names(RunbookSearchAttributes.ALL) + " registered:\n" + commands(namespace, RunbookSearchAttributes.ALL), e);
    } finally {
      operator.shutdownNow();
    }
    Map<String, IndexedValueType> registered = new HashMap<>(listed.getSystemAttributesMap());
    registered.putAll(listed.getCustomAttributesMap());
    List<SearchAttributeKey<?>> missing = new ArrayList<>();
    List<String> wrongType = new ArrayList<>();
    for (SearchAttributeKey<?> key : RunbookSearchAttributes.ALL) {
      IndexedValueType type = registered.get(key.getName());
      if (type == null) {
        missing.add(key);
      } else if (type != key.getValueType()) {
        wrongType.add(key.getName() + " is registered as " + EmbeddedTemporal.cliTypeName(type)
            + ", runbooks need " + EmbeddedTemporal.cliTypeName(key.getValueType()));
      }
    }
    if (missing.isEmpty() && wrongType.isEmpty()) {
      return;
    }
    StringBuilder msg = new StringBuilder("namespace " + namespace + " is not ready for runbooks:");
    if (!missing.isEmpty()) {
      msg.append(" search attribute").append(missing.size() == 1 ? " " : "s ").append(names(missing))
          .append(missing.size() == 1 ? " is" : " are").append(" not registered. Register with:\n")
          .append(commands(namespace, missing));
    }
    for (String w : wrongType) {
      msg.append("\n  ").append(w).append(" (remove it and create it again with the right type)");
    }
    throw new StartupException(msg.toString());
  }

  /** One {@code temporal operator search-attribute create} line per key, indented, newline-separated. */
  public static String commands(String namespace, List<? extends SearchAttributeKey<?>> keys) {
    StringBuilder b = new StringBuilder();
    for (SearchAttributeKey<?> key : keys) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append("  temporal operator search-attribute create --namespace ").append(namespace)
          .append(" --name ").append(key.getName())
          .append(" --type ").append(EmbeddedTemporal.cliTypeName(key.getValueType()));
    }
    return b.toString();
  }

  private static String names(List<? extends SearchAttributeKey<?>> keys) {
    return String.join(", ", keys.stream().map(SearchAttributeKey::getName).toList());
  }
}
