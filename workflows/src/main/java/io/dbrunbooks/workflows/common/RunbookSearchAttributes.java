package io.dbrunbooks.workflows.common;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes every runbook sets so that runs can be filtered in the Web UI and with
 * {@code temporal workflow list --query}. They must be registered on the namespace before a worker
 * starts: the embedded server does it itself; production servers need
 * {@code temporal operator search-attribute create} (see docs/operations.md).
 */
public final class RunbookSearchAttributes {
  public static final SearchAttributeKey<String> TARGET = SearchAttributeKey.forKeyword("RunbookTarget");
  public static final SearchAttributeKey<String> RUNBOOK = SearchAttributeKey.forKeyword("RunbookName");
  public static final SearchAttributeKey<String> PHASE = SearchAttributeKey.forKeyword("RunbookPhase");
  public static final SearchAttributeKey<String> OPERATOR = SearchAttributeKey.forKeyword("RunbookOperator");

  /** All keys, for registration and for the worker's start-up check. */
  public static final List<SearchAttributeKey<String>> ALL = List.of(TARGET, RUNBOOK, PHASE, OPERATOR);

  private RunbookSearchAttributes() {}
}
