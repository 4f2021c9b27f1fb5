package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.worker.RunbookWorker;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.schedule.ScheduledRunResult;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbooks schedules ...} on the real {@code temporal server start-dev} (the Java test server
 * has no Schedules), with the worker in this JVM and a throwaway PostgreSQL cluster whose backups
 * are throttled so that one lasts long enough for another start to meet it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchedulesCommandTest {
  static final String TARGET = "orders";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static LocalCluster cluster;
  static EmbeddedTemporal server;
  static TemporalConnection connection;
  static RunbookWorker worker;
  static ScheduleClient schedules;
  static Path targets;
  static Path schedulesFile;
  static Map<String, String> env;

  @BeforeAll
  static void startEverything() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path binary = EmbeddedTemporal.findTemporalBinary(System.getenv()).orElseThrow(() -> new AssertionError(
        "schedules need temporal server start-dev: put the temporal CLI on PATH or in ~/.cache/db-runbooks/bin"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase(TARGET);
    LocalKeyring keyring = LocalKeyring.create(tmp.resolve("keyring.json"));
    targets = tmp.resolve("targets.yaml");
    Files.writeString(targets, String.join("\n",
        "targets:",
        "  " + TARGET + ":",
        "    engine: postgres",
        "    connection:",
        "      host: 127.0.0.1",
        "      port: " + cluster.port(),
        "      database: " + TARGET,
        "      user: " + LocalCluster.SUPERUSER,
        "      password: { file: " + cluster.passwordFile() + " }",
        "      sslmode: disable",
        "    backupStore: file:" + tmp.resolve("backups"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring.path() + " }",
        // A fresh cluster is some 30 MB: a few seconds per backup, long enough for a second start to meet it.
        "    maxBackupRate: 4MiB/s",
        ""));
    schedulesFile = tmp.resolve("schedules.yaml");
    int port = LocalCluster.freePort();
    int uiPort = LocalCluster.freePort();
    while (uiPort == port) { // two free ports, not one asked for twice
      uiPort = LocalCluster.freePort();
    }
    server = EmbeddedTemporal.startDevServer(binary, tmp.resolve("temporal"), port, uiPort);
    connection = TemporalConnection.local(server.address());
    Registrations r = Registrations.forConfig(TargetsConfigLoader.load(targets));
    worker = RunbookWorker.start(connection.client(), r.workflowTypes(), r.activities());
    schedules = ScheduleClient.newInstance(connection.service(),
        ScheduleClientOptions.newBuilder().setNamespace(connection.namespace()).build());
    env = Map.of("TEMPORAL_ADDRESS", server.address(), "RUNBOOKS_TARGETS", targets.toString());
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (worker != null) {
      worker.close(Duration.ofSeconds(2));
    }
    if (connection != null) {
      connection.close();
    }
    if (server != null) {
      server.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static final String TWO_ENTRIES = """
      schedules:
        - id: orders-daily
          target: orders
          runbook: backup
          calendar: { hour: 2 }
          input: { method: physical }
        - id: orders-retention
          target: orders
          runbook: retention
          cron: "30 4 * * *"
      """;

  @Test
  @Order(1)
  void aDryRunChangesNothingThenSyncCreatesAndASecondSyncChangesNothingAndForeignSchedulesAreLeftAlone() throws Exception {
    createForeignSchedule();
    Files.writeString(schedulesFile, TWO_ENTRIES);

    Cli.Result dry = runbooks("schedules", "sync", "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("dry run, nothing changed"), dry.out());
    assertTrue(dry.out().contains("would create db-runbooks/orders-daily"), dry.out());
    assertTrue(dry.out().contains("would create 2, update 0, delete 0, unchanged 0"), dry.out());
    assertTrue(describe("db-runbooks/orders-daily").isEmpty(), "a dry run creates nothing");

    Cli.Result sync = runbooks("schedules", "sync");
    assertEquals(0, sync.exitCode(), sync.toString());
    assertTrue(sync.out().contains("created      db-runbooks/orders-daily"), sync.out());
    assertTrue(sync.out().contains("backup of orders, calendar hour=2 UTC"), sync.out());
    assertTrue(sync.out().contains("created      db-runbooks/orders-retention"), sync.out());
    assertTrue(sync.out().contains("created 2, updated 0, deleted 0, unchanged 0"), sync.out());
    ScheduleDescription daily = describe("db-runbooks/orders-daily").orElseThrow();
    assertEquals("db-runbooks", daily.getMemo("managedBy", String.class));
    assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP, daily.getSchedule().getPolicy().getOverlap());
    assertEquals(Duration.ofMinutes(10), daily.getSchedule().getPolicy().getCatchupWindow());
    ScheduleActionStartWorkflow action = (ScheduleActionStartWorkflow) daily.getSchedule().getAction();
    assertEquals("ScheduledRunWorkflow", action.getWorkflowType());
    assertEquals(JSON.readTree("{\"schedule\":\"orders-daily\",\"target\":\"orders\",\"runbook\":\"backup\",\"input\":{\"method\":\"physical\"}}"),
        action.getArguments().get(0, JsonNode.class));
    assertEquals(2, daily.getInfo().getNextActionTimes().get(0).atZone(java.time.ZoneOffset.UTC).getHour());

    // What only the targets file or Temporal can judge is still reported where it was written.
    Path bad = tmp.resolve("bad-schedules.yaml");
    Files.writeString(bad, TWO_ENTRIES.replace("target: orders\n    runbook: retention", "target: ordres\n    runbook: retention"));
    Cli.Result unknown = runbooks("schedules", "sync", "--file", bad.toString());
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains(bad + ":8:13: schedules[1].target: unknown target 'ordres'; the targets file " + targets
        + " defines orders"), unknown.err());
    Files.writeString(bad, TWO_ENTRIES.replace("30 4 * * *", "61 4 * * *").replace("orders-retention", "orders-bad-cron"));
    Cli.Result cron = runbooks("schedules", "sync", "--file", bad.toString());
    assertEquals(2, cron.exitCode(), cron.toString());
    assertTrue(cron.err().startsWith(bad + ":10:11: schedules[1].cron: Temporal refused the schedule: "), cron.err());
    assertTrue(describe("db-runbooks/orders-bad-cron").isEmpty());

    Cli.Result again = runbooks("schedules", "sync");
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("no change (2 schedules unchanged)"), again.out());
    assertForeignScheduleUntouched();
  }

  @Test
  @Order(2)
  void anEditedEntryIsUpdatedNamingItsFieldsAndARemovedOneIsDeleted() throws Exception {
    Files.writeString(schedulesFile, """
        schedules:
          - id: orders-daily
            target: orders
            runbook: backup
            calendar: { hour: 3, minute: 15 }
            catchupWindow: 1h
            input: { method: physical }
        """);
    Cli.Result dry = runbooks("schedules", "sync", "--dry-run", "--file", schedulesFile.toString());
    assertTrue(dry.out().contains("  would update db-runbooks/orders-daily           calendar, catchupWindow\n"), dry.out());
    assertTrue(dry.out().contains("would delete db-runbooks/orders-retention"), dry.out());
    assertTrue(describe("db-runbooks/orders-retention").isPresent(), "a dry run deletes nothing");

    Cli.Result sync = runbooks("schedules", "sync", "--file", schedulesFile.toString());
    assertEquals(0, sync.exitCode(), sync.toString());
    assertTrue(sync.out().contains("  updated      db-runbooks/orders-daily           calendar, catchupWindow\n"), sync.out());
    assertTrue(sync.out().contains("deleted      db-runbooks/orders-retention"), sync.out());
    assertTrue(sync.out().contains("created 0, updated 1, deleted 1, unchanged 0"), sync.out());
    ScheduleDescription daily = describe("db-runbooks/orders-daily").orElseThrow();
    assertEquals(Duration.ofHours(1), daily.getSchedule().getPolicy().getCatchupWindow());
    java.time.ZonedDateTime next = daily.getInfo().getNextActionTimes().get(0).atZone(java.time.ZoneOffset.UTC);
    assertEquals(3, next.getHour());
    assertEquals(15, next.getMinute());
    assertTrue(describe("db-runbooks/orders-retention").isEmpty());
    assertTrue(runbooks("schedules", "sync").out().contains("no change (1 schedule unchanged)"));
    assertForeignScheduleUntouched();

    // Someone edits the managed schedule by hand: the next sync names what and puts it back.
    schedules.getHandle("db-runbooks/orders-daily").update(in -> {
      Schedule live = in.getDescription().getSchedule();
      return new io.temporal.client.schedules.ScheduleUpdate(Schedule.newBuilder(live)
          .setPolicy(io.temporal.client.schedules.SchedulePolicy.newBuilder(live.getPolicy()).setCatchupWindow(Duration.ofMinutes(3)).build())
          .build());
    });
    Cli.Result drift = runbooks("schedules", "sync");
    assertTrue(drift.out().contains("  updated      db-runbooks/orders-daily           policy (changed outside the file)\n"), drift.out());
    assertEquals(Duration.ofHours(1), describe("db-runbooks/orders-daily").orElseThrow().getSchedule().getPolicy().getCatchupWindow());

    // A schedule someone else made under our prefix is not taken over.
    createForeignSchedule("db-runbooks/orders-squatter");
    Path squatting = tmp.resolve("squatting.yaml");
    Files.writeString(squatting, Files.readString(schedulesFile) + """
          - id: orders-squatter
            target: orders
            runbook: backup
            cron: "0 5 * * *"
        """);
    Cli.Result refused = runbooks("schedules", "sync", "--file", squatting.toString());
    assertEquals(2, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("schedule db-runbooks/orders-squatter exists but was not created by runbooks schedules sync"),
        refused.toString());
    assertEquals("SomeoneElsesWorkflow", ((ScheduleActionStartWorkflow) describe("db-runbooks/orders-squatter").orElseThrow()
        .getSchedule().getAction()).getWorkflowType());
  }

  @Test
  @Order(3)
  void aPauseByHandShowsItsNoteInTheListAndOutlivesASyncUntilResumed() {
    Cli.Result pause = runbooks("schedules", "pause", "orders-daily", "--note", "storage migration CHG-42");
    assertEquals(0, pause.exitCode(), pause.toString());
    Cli.Result list = eventually(() -> runbooks("schedules", "list"), r -> r.out().contains("paused: storage migration CHG-42"));
    assertTrue(list.out().contains("db-runbooks/orders-daily   backup of orders   calendar hour=3 minute=15 UTC"), list.out());
    assertTrue(list.out().contains("next run   none"), list.out());
    assertTrue(list.out().contains("last run   none yet"), list.out());

    assertTrue(runbooks("schedules", "sync").out().contains("no change"));
    assertTrue(describe("db-runbooks/orders-daily").orElseThrow().getSchedule().getState().isPaused(), "the sync kept the pause");

    assertEquals(0, runbooks("schedules", "resume", "orders-daily").exitCode());
    Cli.Result resumed = runbooks("schedules", "list", "--json");
    assertTrue(resumed.out().contains("\"paused\" : false"), resumed.out());
    assertFalse(describe("db-runbooks/orders-daily").orElseThrow().getSchedule().getState().isPaused());

    Cli.Result foreign = runbooks("schedules", "pause", "someone-else/nightly");
    assertEquals(1, foreign.exitCode(), "not ours, and not under our prefix: " + foreign);
  }

  @Test
  @Order(4)
  void aTriggeredScheduledBackupMeetingAManualOneIsSkippedOnTheRecordAndTheManualOneRuns() throws Exception {
    Cli.Result manual = runbooks("backup", "start", "--target", TARGET, "--operator", "alice");
    assertEquals(0, manual.exitCode(), manual.toString());
    WorkflowStub alice = connection.client().newUntypedWorkflowStub("backup/orders");
    String aliceRun = describeRun("backup/orders");

    Cli.Result trigger = runbooks("schedules", "trigger", "orders-daily");
    assertEquals(0, trigger.exitCode(), trigger.toString());
    String scheduledId = trigger.out().replaceAll("(?s).*started (scheduled/orders-daily-\\S+).*", "$1");
    assertTrue(scheduledId.startsWith("scheduled/orders-daily-"), trigger.out());

    ScheduledRunResult skipped = connection.client().newUntypedWorkflowStub(scheduledId).getResult(60, TimeUnit.SECONDS, ScheduledRunResult.class);
    assertEquals(ScheduledRunResult.SKIPPED, skipped.outcome(), skipped.message());
    assertEquals(aliceRun, skipped.runbookRunId());
    assertTrue(skipped.message().startsWith("skipped: already running " + aliceRun + " (BackupWorkflow, started "), skipped.message());
    assertTrue(skipped.message().endsWith(" by alice)"), skipped.message());
    replayAndRecord(scheduledId, "scheduled-run-skipped.json");

    // The skip is on the record: an audit chain of its own in the target's evidence registry.
    JsonNode entry = auditEntries("orders-daily").stream().filter(e -> e.at("/event/action").asText().equals("schedule.skipped"))
        .findFirst().orElseThrow(() -> new AssertionError("no schedule.skipped audit entry"));
    assertEquals(aliceRun, entry.at("/event/metadata/heldBy").asText());
    assertEquals("schedule:orders-daily", entry.at("/event/user").asText());

    // And in the schedule's own view.
    Cli.Result list = eventually(() -> runbooks("schedules", "list"), r -> r.out().contains("skipped: already running " + aliceRun));
    assertTrue(list.out().contains(scheduledId + ": skipped: already running"), list.out());

    // Alice's backup was not disturbed.
    JsonNode result = alice.getResult(120, TimeUnit.SECONDS, JsonNode.class);
    assertTrue(result.get("backupId").asText().startsWith("orders-"), result.toString());
  }

  @Test
  @Order(5)
  void twoSchedulesOfOneTargetFiringTogetherRunOneBackupTheOtherIsSkipped() throws Exception {
    // Both fire every 20 seconds, at the same instants.
    Files.writeString(schedulesFile, """
        schedules:
          - id: orders-a
            target: orders
            runbook: backup
            calendar: { second: "*/20", minute: "*", hour: "*" }
          - id: orders-b
            target: orders
            runbook: backup
            calendar: { second: "*/20", minute: "*", hour: "*" }
        """);
    Cli.Result sync = runbooks("schedules", "sync");
    assertTrue(sync.out().contains("created 2, updated 0, deleted 1, unchanged 0"), sync.out());

    // Wait for both to have fired at least once, then stop them.
    eventually(() -> describe("db-runbooks/orders-a").orElseThrow(), d -> !d.getInfo().getRecentActions().isEmpty());
    eventually(() -> describe("db-runbooks/orders-b").orElseThrow(), d -> !d.getInfo().getRecentActions().isEmpty());
    assertEquals(0, runbooks("schedules", "pause", "orders-a", "--note", "test over").exitCode());
    assertEquals(0, runbooks("schedules", "pause", "orders-b", "--note", "test over").exitCode());

    List<ScheduledRunResult> results = new ArrayList<>();
    for (String id : List.of("db-runbooks/orders-a", "db-runbooks/orders-b")) {
      for (ScheduleActionResult a : describe(id).orElseThrow().getInfo().getRecentActions()) {
        String wf = ((ScheduleActionExecutionStartWorkflow) a.getAction()).getWorkflowId();
        results.add(connection.client().newUntypedWorkflowStub(wf).getResult(120, TimeUnit.SECONDS, ScheduledRunResult.class));
      }
    }
    assertTrue(results.stream().anyMatch(r -> r.outcome().equals(ScheduledRunResult.COMPLETED)), results.toString());
    assertTrue(results.stream().anyMatch(r -> r.outcome().equals(ScheduledRunResult.SKIPPED)), results.toString());
    for (ScheduledRunResult r : results) {
      if (r.outcome().equals(ScheduledRunResult.COMPLETED)) {
        assertTrue(r.runbookResult().get("backupId").asText().startsWith("orders-"), r.toString());
      }
    }
    for (String id : List.of("db-runbooks/orders-a", "db-runbooks/orders-b")) {
      for (ScheduleActionResult a : describe(id).orElseThrow().getInfo().getRecentActions()) {
        String wf = ((ScheduleActionExecutionStartWorkflow) a.getAction()).getWorkflowId();
        ScheduledRunResult r = connection.client().newUntypedWorkflowStub(wf).getResult(ScheduledRunResult.class);
        replayAndRecord(wf, "scheduled-run-" + r.outcome() + "-by-schedule.json");
      }
    }

    // The lock held: no two runs of backup/orders overlapped, whoever started them.
    List<WorkflowExecutionInfo> backups = eventually(() -> backupRuns(), runs -> runs.size() >= 2);
    backups.sort(Comparator.comparing(i -> i.getStartTime().getSeconds() * 1_000_000_000L + i.getStartTime().getNanos()));
    for (int i = 1; i < backups.size(); i++) {
      WorkflowExecutionInfo before = backups.get(i - 1);
      WorkflowExecutionInfo after = backups.get(i);
      assertTrue(before.hasCloseTime(), "every backup has ended");
      assertTrue(compare(before.getCloseTime(), after.getStartTime()) <= 0,
          "backup run " + after.getExecution().getRunId() + " started before " + before.getExecution().getRunId() + " ended");
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** {@code runbooks ARGS --targets <the test's targets file>} against the test's dev server. */
  static Cli.Result runbooks(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--targets";
    all[args.length + 1] = targets.toString();
    return Cli.run(env, all);
  }

  /**
   * Replays the run's history against the current {@code ScheduledRunWorkflowImpl}; with
   * {@code -Drecord.histories=true} also writes it to workflows/src/test/resources/schedule-histories/
   * for ScheduledRunReplayTest, unless that file exists (a history recorded by older code is what
   * proves runs in flight still replay, so it is never replaced silently).
   */
  static void replayAndRecord(String workflowId, String fileName) throws Exception {
    io.temporal.common.WorkflowExecutionHistory history = connection.client().fetchHistory(workflowId);
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(history,
        io.dbrunbooks.workflows.schedule.ScheduledRunWorkflowImpl.class);
    if (Boolean.getBoolean("record.histories")) {
      Path file = Path.of("..", "workflows", "src", "test", "resources", "schedule-histories", fileName);
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        Files.writeString(file, history.toJson(true));
      }
    }
  }

  static void createForeignSchedule() {
    createForeignSchedule("someone-else/nightly");
  }

  static void createForeignSchedule(String id) {
    schedules.createSchedule(id, Schedule.newBuilder()
            .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType("SomeoneElsesWorkflow")
                .setOptions(WorkflowOptions.newBuilder().setWorkflowId("someone-else").setTaskQueue("someone-else").build())
                .build())
            .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofDays(1)))).build())
            .build(),
        ScheduleOptions.newBuilder().build());
  }

  static void assertForeignScheduleUntouched() {
    ScheduleDescription d = describe("someone-else/nightly").orElseThrow(() -> new AssertionError("the foreign schedule was deleted"));
    assertEquals("SomeoneElsesWorkflow", ((ScheduleActionStartWorkflow) d.getSchedule().getAction()).getWorkflowType());
    assertEquals(d.getInfo().getCreatedAt(), d.getInfo().getLastUpdatedAt() == null ? d.getInfo().getCreatedAt() : d.getInfo().getLastUpdatedAt(),
        "never updated");
  }

  static Optional<ScheduleDescription> describe(String id) {
    try {
      return Optional.of(schedules.getHandle(id).describe());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  static String describeRun(String workflowId) {
    return connection.client().newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId();
  }

  static List<JsonNode> auditEntries(String schedule) throws IOException {
    Path chains = tmp.resolve("evidence").resolve(TARGET).resolve("schedules").resolve(schedule);
    List<JsonNode> entries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(chains)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        entries.add(JSON.readTree(p.toFile()));
      }
    }
    return entries;
  }

  static List<WorkflowExecutionInfo> backupRuns() {
    WorkflowClient c = connection.client();
    return new ArrayList<>(c.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(connection.namespace()).setQuery("WorkflowId = 'backup/orders'").build()).getExecutionsList());
  }

  static int compare(com.google.protobuf.Timestamp a, com.google.protobuf.Timestamp b) {
    return a.getSeconds() != b.getSeconds() ? Long.compare(a.getSeconds(), b.getSeconds()) : Integer.compare(a.getNanos(), b.getNanos());
  }

  /** The value once {@code done} holds (schedules, lists and visibility catch up within seconds). */
  static <T> T eventually(Supplier<T> get, java.util.function.Predicate<T> done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    T value = get.get();
    while (!done.test(value)) {
      assertTrue(System.nanoTime() < deadline, "never came true: " + value);
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      value = get.get();
    }
    return value;
  }
}
