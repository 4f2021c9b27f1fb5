package io.dbrunbooks.workflows.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.backup.BackupWorkflowImpl;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflow;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflowImpl;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflow;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflowImpl;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflow;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.dbrunbooks.workflows.retention.RetentionWorkflowImpl;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflow;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflowImpl;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflowImpl;
import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every runbook, started the way the Web UI's Start Workflow form or {@code temporal workflow start
 * --input} starts it (raw JSON, no typed client), with input a person might type. Each must end the
 * run in its first workflow task, as a non-retryable {@code InvalidRequest} failure whose message
 * names the field (and the accepted values), without a stack trace, without a failed workflow task
 * (which Temporal would retry forever, holding the target's lock), and before anything ran: no
 * activity scheduled, no search attribute written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NO_INPUT = "<no input>";
  private static final String TEN_KB = "x".repeat(10_240);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final List<String> activityCalls = new CopyOnWriteArrayList<>();
  private int started;

  @BeforeAll
  void startServer() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, PointInTimeRestoreWorkflowImpl.class,
        WalArchiveWorkflowImpl.class, RetentionWorkflowImpl.class, BlueDecommissionWorkflowImpl.class);
    worker.registerWorkflowImplementationTypes(RestoreDrillWorkflowImpl.class);
    worker.registerWorkflowImplementationTypes(ScheduledRunWorkflowImpl.class);
    worker.registerWorkflowImplementationTypes(io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflowImpl.class);
    worker.registerActivitiesImplementations((DynamicActivity) (EncodedValues args) -> {
      activityCalls.add(Activity.getExecutionContext().getInfo().getActivityType());
      throw ApplicationFailure.newNonRetryableFailure("no activity may run for malformed input", "Unexpected");
    });
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterAll
  void stopServer() {
    env.close();
  }

  static Stream<Arguments> malformedInputs() {
    List<Arguments> cases = new ArrayList<>();
    String backup = BackupWorkflow.TYPE;
    String b = "backup/orders";
    cases.add(c(backup, b, NO_INPUT, "input is missing", "\"target\""));
    cases.add(c(backup, b, "null", "input is missing"));
    cases.add(c(backup, b, "[\"orders\", \"alice\"]", "input must be a JSON object, got an array"));
    cases.add(c(backup, b, "\"orders\"", "input must be a JSON object, got the string"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"method\": \"incremental\", \"operator\": \"alice\"}",
        "field 'method' must be one of physical, logical", "'incremental'"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"method\": \"PHYSICAL\", \"operator\": \"alice\"}",
        "field 'method' must be one of physical, logical"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"method\": 0, \"operator\": \"alice\"}", "field 'method' must be one of"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"dryRun\": true}",
        "unknown field 'dryRun'", "commitSha, method, operator, target, ticket"));
    cases.add(c(backup, b, "{\"Target\": \"orders\", \"operator\": \"alice\"}", "unknown field 'Target'"));
    cases.add(c(backup, b, "{\"operator\": \"alice\"}", "field 'target'", "got nothing"));
    cases.add(c(backup, b, "{\"target\": \"../etc\", \"operator\": \"alice\"}", "field 'target'", "'../etc'"));
    cases.add(c(backup, b, "{\"target\": 5, \"operator\": \"alice\"}", "field 'target' must be a string, got the number 5"));
    cases.add(c(backup, b, "{\"target\": [\"orders\"], \"operator\": \"alice\"}", "field 'target' must be a string, got an array"));
    cases.add(c(backup, b, "{\"target\": \"orders\"}", "field 'operator' is required"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"   \"}", "field 'operator' is required"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"" + TEN_KB + "\"}",
        "field 'operator' is 10240 characters long; at most 256"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\\nINFO forged log line\"}",
        "field 'operator' contains the control character U+000A"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"\\u001b[31malice\"}",
        "field 'operator' contains the control character U+001B"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\\u202egnp.exe\"}",
        "field 'operator' contains the control character U+202E"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\\u2028INFO forged\"}",
        "field 'operator' contains the control character U+2028"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"\\u00a0\\u2007\"}", "field 'operator' is blank"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"" + "\\u0001".repeat(5000) + "\": 1}",
        "unknown field '\\u0001\\u0001", "..."));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"ticket\": {\"id\": 1}}",
        "field 'ticket' must be a string, got an object"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"commitSha\": \"not-a-sha\"}",
        "field 'commitSha' must be a git commit id"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"backupClass\": \"Weekly\"}",
        "field 'backupClass'", "'Weekly'"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"backupClass\": \"../weekly\"}",
        "field 'backupClass'", "1-63 lower-case letters"));
    cases.add(c(backup, b, "{\"target\": \"orders\", \"operator\": \"alice\", \"backupClass\": 7}",
        "field 'backupClass' must be a string"));
    cases.add(c(backup, "backup/other", "{\"target\": \"orders\", \"operator\": \"alice\"}",
        "workflow id 'backup/orders'", "'backup/other'"));

    String restore = PointInTimeRestoreWorkflow.TYPE;
    String r = "restore/orders";
    String latest = "\"recoveryTarget\": {\"kind\": \"latest\"}";
    cases.add(c(restore, r, NO_INPUT, "input is missing", "recoveryTarget"));
    cases.add(c(restore, r, "[]", "input must be a JSON object, got an array"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"mode\": \"blue\", \"operator\": \"alice\"}",
        "field 'mode' must be one of isolated, promote", "'blue'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"yesterday\"}, \"operator\": \"alice\"}",
        "field 'recoveryTarget.kind' must be one of time, lsn, name, latest", "'yesterday'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"dryRun\": \"yes\", \"operator\": \"alice\"}",
        "field 'dryRun' must be true or false, got the string 'yes'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"dryRun\": 1, \"operator\": \"alice\"}",
        "field 'dryRun' must be true or false, got the number 1"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"keepOnFailure\": \"false\", \"operator\": \"alice\"}",
        "field 'keepOnFailure' must be true or false"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"smokeQueries\": \"SELECT 1\", \"operator\": \"alice\"}",
        "field 'smokeQueries' must be a JSON array"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"smokeQueries\": [{\"sql\": \"\"}], \"operator\": \"alice\"}",
        "field 'smokeQueries[0].sql' is required"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"smokeQueries\": [{\"sql\": \"SELECT 1\"}, null], \"operator\": \"alice\"}",
        "field 'smokeQueries[1].sql' is required"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"smokeQueries\": [{\"query\": \"SELECT 1\"}], \"operator\": \"alice\"}",
        "unknown field 'smokeQueries[0].query'", "the known fields of smokeQueries[0] are database, name, sql"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"dryrun\": true, \"operator\": \"alice\"}",
        "unknown field 'dryrun'", "dryRun"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"operator\": \"alice\"}", "field 'recoveryTarget' is required"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": \"latest\", \"operator\": \"alice\"}",
        "field 'recoveryTarget' must be a JSON object, got the string 'latest'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"time\", \"value\": \"yesterday\"}, \"operator\": \"alice\"}",
        "field 'recoveryTarget.value' must be an ISO-8601 time", "'yesterday'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"time\", \"value\": \"2999-01-01T00:00:00Z\"}, \"operator\": \"alice\"}",
        "is in the future"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"lsn\", \"value\": \"0/ZZ\"}, \"operator\": \"alice\"}",
        "field 'recoveryTarget.value' must be a WAL location"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"lsn\", \"value\": 5}, \"operator\": \"alice\"}",
        "field 'recoveryTarget.value' must be a string, got the number 5"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"latest\", \"value\": \"now\"}, \"operator\": \"alice\"}",
        "takes no value"));
    cases.add(c(restore, r, "{\"target\": \"orders\", \"recoveryTarget\": {\"kind\": \"name\", \"value\": \"a'\\nrestore_command='rm\"}, \"operator\": \"alice\"}",
        "contains a control character"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"backupId\": \"../../etc\", \"operator\": \"alice\"}",
        "field 'backupId' must be a backup id"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"operator\": \"alice\", \"ticket\": \"INC-1\\r\\nx\"}",
        "field 'ticket' contains the control character U+000D"));
    cases.add(c(restore, "restore/Orders", "{\"target\": \"orders\", " + latest + ", \"operator\": \"alice\"}",
        "workflow id 'restore/orders'"));

    String wal = WalArchiveWorkflow.TYPE;
    String w = "wal-archive/orders";
    cases.add(c(wal, w, NO_INPUT, "input is missing"));
    cases.add(c(wal, w, "{\"target\": \"orders\", \"operator\": \"alice\", \"activitySeconds\": \"300\"}",
        "field 'activitySeconds' must be a whole number, got the string '300'"));
    cases.add(c(wal, w, "{\"target\": \"orders\", \"operator\": \"alice\", \"activitySeconds\": 1.5}",
        "field 'activitySeconds' must be a whole number"));
    cases.add(c(wal, w, "{\"target\": \"orders\", \"operator\": \"alice\", \"activitySeconds\": -1}",
        "field 'activitySeconds' must be between 0"));
    cases.add(c(wal, w, "{\"target\": \"orders\", \"operator\": \"alice\", \"activitySeconds\": 86400}",
        "field 'activitySeconds' must be between 0", "3600"));
    cases.add(c(wal, w, "{\"target\": \"orders\", \"operator\": \"alice\", \"slot\": \"mine\"}", "unknown field 'slot'"));
    cases.add(c(wal, w, "{\"target\": \"orders\"}", "field 'operator' is required"));
    cases.add(c(wal, "wal-archive/billing", "{\"target\": \"orders\", \"operator\": \"alice\"}", "workflow id 'wal-archive/orders'"));

    String retention = RetentionWorkflow.TYPE;
    String t = "retention/orders";
    cases.add(c(retention, t, "{\"target\": \"orders\", \"operator\": \"alice\", \"dryRun\": \"true\"}",
        "field 'dryRun' must be true or false"));
    cases.add(c(retention, "retention/other", "{\"target\": \"orders\", \"operator\": \"alice\"}",
        "workflow id 'retention/orders'", "'retention/other'"));
    cases.add(c(retention, t, "{\"operator\": \"alice\"}", "field 'target'"));
    cases.add(c(retention, t, "{\"target\": \"orders\"}", "field 'operator' is required"));
    cases.add(c(retention, t, "{\"target\": \"orders\", \"operator\": \"alice\", \"trigger\": \"" + "t".repeat(2000) + "\"}",
        "field 'trigger' is 2000 characters long; at most 1024"));
    cases.add(c(retention, t, "{\"target\": \"orders\", \"operator\": \"alice\", \"keepDays\": 3}", "unknown field 'keepDays'"));

    String freshness = io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflow.TYPE;
    String f = "freshness/orders";
    cases.add(c(freshness, f, NO_INPUT, "input is missing", "\"target\""));
    cases.add(c(freshness, f, "{\"operator\": \"schedule\"}", "field 'target'", "got nothing"));
    cases.add(c(freshness, f, "{\"target\": \"Orders!\"}", "field 'target'", "'Orders!'"));
    cases.add(c(freshness, f, "{\"target\": \"orders\", \"backupMaxAgeHours\": 1}", "unknown field 'backupMaxAgeHours'",
        "operator, target"));
    cases.add(c(freshness, f, "{\"target\": \"orders\", \"operator\": 7}", "field 'operator' must be a string"));
    cases.add(c(freshness, f, "{\"target\": \"orders\", \"operator\": \"cron\\u001b[2J\"}", "field 'operator' contains the control"));
    cases.add(c(freshness, "freshness/billing", "{\"target\": \"orders\"}", "workflow id 'freshness/orders'", "'freshness/billing'"));

    String decommission = BlueDecommissionWorkflow.TYPE;
    String restoreId = "orders-20261121T102959Z-8846ac";
    String d = "decommission/" + restoreId;
    String blue = "\"blue\": {\"dataDirectory\": \"/var/lib/postgresql/15/blue\", \"systemIdentifier\": \"1\", \"timeline\": 1,"
        + " \"lsn\": \"0/3000000\", \"clusterName\": \"blue\", \"port\": 5432, \"version\": \"15\"}";
    String ok = "\"target\": \"orders\", \"restoreId\": \"" + restoreId + "\", \"initiator\": \"alice\", ";
    cases.add(c(decommission, d, "{" + ok + "\"approvers\": \"bob\", \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", " + blue + "}",
        "field 'approvers' must be a JSON array, got the string 'bob'"));
    cases.add(c(decommission, d, "{" + ok + "\"approvers\": [], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", " + blue + "}",
        "field 'approvers' must list who may approve"));
    cases.add(c(decommission, d, "{" + ok + "\"approvers\": [\"bob\"], \"keepBlueUntil\": \"tomorrow\", " + blue + "}",
        "field 'keepBlueUntil' must be an ISO-8601 instant", "'tomorrow'"));
    cases.add(c(decommission, d, "{" + ok + "\"approvers\": [\"bob\"], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\"}",
        "field 'blue.dataDirectory' is required"));
    cases.add(c(decommission, d, "{\"target\": \"orders\", \"restoreId\": \"billing-20261121T102959Z-8846ac\", \"initiator\": \"alice\","
        + " \"approvers\": [\"bob\"], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", " + blue + "}",
        "field 'restoreId' must be the id of a restore of orders"));
    cases.add(c(decommission, d, "{" + ok + "\"approvers\": [\"bob\"], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", "
        + blue.replace("\"port\": 5432", "\"port\": \"5432\"") + "}", "field 'blue.port' must be a whole number"));
    cases.add(c(decommission, "decommission/orders-other", "{" + ok + "\"approvers\": [\"bob\"], \"keepBlueUntil\": \"2026-11-22T10:00:00Z\", "
        + blue + "}", "workflow id '" + d + "'"));
    String drill = RestoreDrillWorkflow.TYPE;
    String dr = "drill/orders";
    cases.add(c(drill, dr, NO_INPUT, "input is missing", "\"operator\""));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"scenario\": \"flood\", \"operator\": \"alice\"}",
        "field 'scenario' must be one of", "complete-failure", "ransomware"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"select\": \"oldest\", \"operator\": \"alice\"}",
        "field 'select' must be one of newest, random"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"recovery\": \"yesterday\", \"operator\": \"alice\"}",
        "field 'recovery' must be one of latest, random"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"windowDays\": 0, \"operator\": \"alice\"}",
        "field 'windowDays' must be a whole number of days from 1"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"windowDays\": \"7\", \"operator\": \"alice\"}", "field 'windowDays'"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"smokeCommand\": {\"command\": [\"dr-smoke\"]}, \"operator\": \"alice\"}",
        "field 'smokeCommand.command' must start with the program's absolute path"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"smokeCommand\": {\"command\": \"/bin/true\"}, \"operator\": \"alice\"}",
        "field 'smokeCommand.command'"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"smokeCommand\": {\"command\": [\"/bin/true\"], \"timeoutSeconds\": 99999},"
        + " \"operator\": \"alice\"}", "field 'smokeCommand.timeoutSeconds' must be from 1 to 3600"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"smokeQueries\": [{\"sql\": \" \"}], \"operator\": \"alice\"}",
        "field 'smokeQueries[0].sql' is required"));
    cases.add(c(drill, dr, "{\"target\": \"orders\"}", "field 'operator' is required"));
    cases.add(c(drill, dr, "{\"target\": \"orders\", \"operator\": \"alice\", \"recoveryTarget\": {\"kind\": \"latest\"}}",
        "unknown field 'recoveryTarget'"));
    cases.add(c(drill, "drill/other", "{\"target\": \"orders\", \"operator\": \"alice\"}", "workflow id 'drill/orders'"));
    cases.add(c(restore, r, "{\"target\": \"orders\", " + latest + ", \"operator\": \"alice\", \"restoreId\": \"billing-1\"}",
        "field 'restoreId' must be a new restore id of orders"));

    String scheduled = ScheduledRunWorkflow.TYPE;
    String s = "scheduled/orders-daily-2026-12-02T02:00:00Z";
    cases.add(c(scheduled, s, NO_INPUT, "input is missing", "\"runbook\""));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"orders\", \"runbook\": \"vacuum\"}",
        "field 'runbook' must be one of backup, retention, drill, freshness", "'vacuum'"));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"orders\"}", "field 'runbook' is required"));
    cases.add(c(scheduled, s, "{\"schedule\": \"Orders Daily\", \"target\": \"orders\", \"runbook\": \"backup\"}",
        "field 'schedule' must be the schedule's entry id", "'Orders Daily'"));
    cases.add(c(scheduled, s, "{\"target\": \"orders\", \"runbook\": \"backup\"}", "field 'schedule'", "got nothing"));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"../etc\", \"runbook\": \"backup\"}", "field 'target'"));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"orders\", \"runbook\": \"backup\", \"input\": \"physical\"}",
        "field 'input' must be a JSON object"));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"orders\", \"runbook\": \"backup\","
        + " \"input\": {\"operator\": \"mallory\"}}", "field 'input.operator' is set by the schedule"));
    cases.add(c(scheduled, s, "{\"schedule\": \"orders-daily\", \"target\": \"orders\", \"runbook\": \"backup\", \"cron\": \"0 2 * * *\"}",
        "unknown field 'cron'", "input, runbook, schedule, target"));
    return cases.stream();
  }

  private static Arguments c(String type, String workflowId, String input, String... fragments) {
    String shown = input.length() > 90 ? input.substring(0, 87) + "..." : input;
    return Arguments.of(type + " " + shown, type, workflowId, input, fragments);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedInputs")
  void malformedInputFailsTheRunAtOnceNamingTheField(String name, String type, String workflowId, String input,
      String[] fragments) throws Exception {
    activityCalls.clear();
    // A fresh workflow id per case, except where the case is about the id itself: the server keeps closed runs.
    WorkflowStub stub = client.newUntypedWorkflowStub(type, WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.RUNBOOKS)
        .setWorkflowIdReusePolicy(io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowRunTimeout(Duration.ofHours(1))
        .build());
    if (NO_INPUT.equals(input)) {
      stub.start();
    } else {
      JsonNode raw = JSON.readTree(input);
      stub.start(raw);
    }
    started++;

    WorkflowFailedException failed = org.junit.jupiter.api.Assertions.assertThrows(WorkflowFailedException.class,
        () -> stub.getResult(10, java.util.concurrent.TimeUnit.SECONDS, Object.class));
    ApplicationFailure f = assertInstanceOf(ApplicationFailure.class, failed.getCause(), () -> "cause: " + failed.getCause());
    String message = f.getOriginalMessage();
    assertEquals(InputChecks.INVALID_REQUEST, f.getType(), message);
    assertTrue(f.isNonRetryable(), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "message lacks '" + fragment + "': " + message);
    }
    assertEquals(-1, InputChecks.firstControl(message), () -> "message must be printable: " + message);
    assertTrue(message.length() < 600, () -> "a message a person reads, not a dump: " + message.length() + " characters");

    String runId = stub.getExecution().getRunId();
    List<HistoryEvent> events = client.fetchHistory(workflowId, runId).getEvents();
    HistoryEvent last = events.get(events.size() - 1);
    assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, last.getEventType());
    assertEquals("", last.getWorkflowExecutionFailedEventAttributes().getFailure().getStackTrace(),
        "a refusal a person reads is the sentence alone");
    // A task that timed out on a loaded machine is retried; one that failed would be retried forever.
    assertEquals(1, count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), "refused in the first workflow task");
    assertEquals(0, count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), "a failed workflow task is retried forever");
    assertEquals(0, count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), "nothing may run for malformed input");
    assertEquals(0, count(events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES), "nothing written before validation");
    assertEquals(0, count(events, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED));
    assertTrue(activityCalls.isEmpty(), () -> "activities ran: " + activityCalls);

    // The run is closed, so the lock (its workflow id) is free for a corrected start.
    WorkflowExecutionStatus status = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(stub.getExecution())
            .build()).getWorkflowExecutionInfo().getStatus();
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, status);
    assertFalse(message.isBlank());
  }

  private static long count(List<HistoryEvent> events, EventType type) {
    return events.stream().filter(e -> e.getEventType() == type).count();
  }
}
