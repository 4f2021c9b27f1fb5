package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookOptions;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Refuses restore input that no retry can fix, before anything is touched. What needs the backup
 * catalog (a time before the earliest backup, an unknown backup id) is refused by the plan step.
 */
final class RestoreValidation {
  /** A recovery time this far past the workflow's clock is in the future, not clock skew. */
  static final long FUTURE_SLACK_MILLIS = 5_000;

  private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");
  private static final Pattern BACKUP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private RestoreValidation() {}

  static RestoreRequest validate(RunbookInput<RestoreRequest> input, String workflowId, long nowMillis) {
    RestoreRequest request = RunbookInput.bind(input, RestoreRequest.class, PointInTimeRestoreWorkflow.EXAMPLE_INPUT);
    String target = InputChecks.target(request.target());
    InputChecks.operator(request.operator(), "operator", "the audit trail records who asked for the restore");
    InputChecks.optionalName("ticket", request.ticket());
    InputChecks.workflowId(PointInTimeRestoreWorkflow.workflowId(target), "restore of " + target);
    if (request.backupId() != null && !BACKUP_ID.matcher(request.backupId()).matches()) {
      throw invalid("field 'backupId' must be a backup id (letters, digits, '.', '_' and '-'), got "
          + InputChecks.shown(request.backupId()) + "; list them with: runbooks backups list --target " + target);
    }
    if (request.restoreId() != null && (!BACKUP_ID.matcher(request.restoreId()).matches()
        || !request.restoreId().startsWith(target + "-"))) {
      throw invalid("field 'restoreId' must be a new restore id of " + target + " ('" + target + "-' then letters, digits,"
          + " '.', '_' and '-'), got " + InputChecks.shown(request.restoreId()) + "; leave it out to let the restore choose");
    }
    validateTarget(request.recoveryTarget(), nowMillis);
    for (int i = 0; i < request.smokeQueries().size(); i++) {
      SmokeQuery q = request.smokeQueries().get(i);
      if (q == null || q.sql() == null || q.sql().isBlank()) {
        throw invalid("field 'smokeQueries[" + i + "].sql' is required: every smoke query needs its sql, e.g."
            + " {\"sql\": \"SELECT count(*) FROM orders\"}");
      }
      InputChecks.optionalName("smokeQueries[" + i + "].name", q.name());
      InputChecks.optionalName("smokeQueries[" + i + "].database", q.database());
    }
    return request;
  }

  private static void validateTarget(RecoveryTarget t, long nowMillis) {
    if (t == null || t.kind() == null) {
      throw invalid("field 'recoveryTarget' is required: {\"kind\": \"time\", \"value\": \"2026-11-21T10:40:59Z\"}, {\"kind\": \"lsn\","
          + " \"value\": \"16/B374D848\"}, {\"kind\": \"name\", \"value\": \"<restore point>\"} or {\"kind\": \"latest\"}");
    }
    String v = t.value();
    switch (t.kind()) {
      case TIME -> {
        Instant at;
        try {
          at = OffsetDateTime.parse(v == null ? "" : v.strip()).toInstant();
        } catch (DateTimeParseException e) {
          throw invalid("field 'recoveryTarget.value' must be an ISO-8601 time with a zone, got " + InputChecks.shown(v) + ", e.g. 2026-11-21T10:40:59Z or"
              + " 2026-11-21T11:40:59+01:00");
        }
        if (at.toEpochMilli() > nowMillis + FUTURE_SLACK_MILLIS) {
          throw invalid("field 'recoveryTarget.value': recovery time " + at + " is in the future (now is " + Instant.ofEpochMilli(nowMillis)
              + "); to restore everything archived so far use {\"kind\": \"latest\"}");
        }
      }
      case LSN -> {
        if (v == null || !LSN.matcher(v.strip()).matches()) {
          throw invalid("field 'recoveryTarget.value' must be a WAL location like 16/B374D848, got " + InputChecks.shown(v));
        }
        // 7FFFFFFF/FFFFFFFF is 8 EiB of WAL: anything beyond is no position a server has reached.
        if (Long.parseLong(v.strip().substring(0, v.strip().indexOf('/')), 16) > 0x7FFFFFFFL) {
          throw invalid("recovery LSN '" + v.strip() + "' (recoveryTarget.value) is beyond any WAL a server has written;"
              + " the largest accepted is 7FFFFFFF/FFFFFFFF. Give an LSN from the archive (runbooks wal verify --target T"
              + " shows where it ends) or {\"kind\": \"latest\"}");
        }
      }
      case NAME -> {
        if (v == null || v.isBlank() || v.length() > 63) {
          throw invalid("field 'recoveryTarget.value': a named recovery target needs the restore point's name (1-63 characters), as given to"
              + " pg_create_restore_point()");
        }
        if (InputChecks.firstControl(v) >= 0) {
          throw invalid("field 'recoveryTarget.value': the restore point name " + InputChecks.shown(v)
              + " contains a control character; PostgreSQL's recovery configuration cannot hold it");
        }
      }
      case LATEST -> {
        if (v != null && !v.isBlank()) {
          throw invalid("field 'recoveryTarget.value': recovery target 'latest' takes no value, got " + InputChecks.shown(v));
        }
      }
    }
  }

  private static ApplicationFailure invalid(String message) {
    return InputChecks.invalid(message);
  }
}
