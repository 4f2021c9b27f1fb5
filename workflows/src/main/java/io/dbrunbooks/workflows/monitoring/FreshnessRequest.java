package io.dbrunbooks.workflows.monitoring;

/**
 * Input of {@link FreshnessCheckWorkflow}. Names only: the limits live in the targets file.
 *
 * @param target name of a target in the worker's targets file
 * @param operator who asked: optional, {@code schedule} when left out (a Temporal Schedule starts it)
 */
public record FreshnessRequest(String target, String operator) {

  public String operatorOrDefault() {
    return operator == null ? "schedule" : operator;
  }
}
