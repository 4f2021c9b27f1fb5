package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.restore.SmokeQuery;

/** Refuses drill input that no retry can fix, before anything is touched. */
final class DrillValidation {
  private DrillValidation() {}

  static DrillRequest validate(RunbookInput<DrillRequest> input) {
    DrillRequest request = RunbookInput.bind(input, DrillRequest.class, RestoreDrillWorkflow.EXAMPLE_INPUT);
    String target = InputChecks.target(request.target());
    InputChecks.operator(request.operator(), "operator", "the audit trail records who (or which schedule) started the drill");
    InputChecks.optionalName("ticket", request.ticket());
    InputChecks.workflowId(RestoreDrillWorkflow.workflowId(target), "drill of " + target);
    if (request.windowDays() != null && (request.windowDays() < 1 || request.windowDays() > 3660)) {
      throw InputChecks.invalid("field 'windowDays' must be a whole number of days from 1 to 3660, got " + request.windowDays());
    }
    for (int i = 0; i < request.smokeQueries().size(); i++) {
      SmokeQuery q = request.smokeQueries().get(i);
      if (q == null || q.sql() == null || q.sql().isBlank()) {
        throw InputChecks.invalid("field 'smokeQueries[" + i + "].sql' is required: every smoke query needs its sql, e.g."
            + " {\"sql\": \"SELECT count(*) FROM orders\"}");
      }
      InputChecks.optionalName("smokeQueries[" + i + "].name", q.name());
      InputChecks.optionalName("smokeQueries[" + i + "].database", q.database());
    }
    SmokeCommand c = request.smokeCommand();
    if (c != null) {
      if (c.command().isEmpty() || c.command().get(0) == null || !c.command().get(0).startsWith("/")) {
        throw InputChecks.invalid("field 'smokeCommand.command' must start with the program's absolute path, e.g."
            + " [\"/usr/local/bin/dr-smoke\", \"--quick\"], got " + InputChecks.shown(c.command().isEmpty() ? null
                : c.command().get(0)));
      }
      for (int i = 0; i < c.command().size(); i++) {
        if (c.command().get(i) == null) {
          throw InputChecks.invalid("field 'smokeCommand.command[" + i + "]' is null; give a string");
        }
        InputChecks.optionalText("smokeCommand.command[" + i + "]", c.command().get(i));
      }
      if (c.timeoutSeconds() != null && (c.timeoutSeconds() < 1 || c.timeoutSeconds() > SmokeCommand.MAX_TIMEOUT_SECONDS)) {
        throw InputChecks.invalid("field 'smokeCommand.timeoutSeconds' must be from 1 to " + SmokeCommand.MAX_TIMEOUT_SECONDS
            + ", got " + c.timeoutSeconds());
      }
    }
    return request;
  }
}
