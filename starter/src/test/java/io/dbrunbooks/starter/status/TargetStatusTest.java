package io.dbrunbooks.starter.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.worker.RunbookWorker;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflow;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbooks status --target orders} against the real Temporal dev server, a real cluster and
 * a real backup: the screen and its JSON show the backup, no WAL archive, no drill, the target's
 * own schedule (not a foreign one) and no alerts; the positional form still shows one run.
 */
class TargetStatusTest {
  @TempDir Path tmp;

  record Result(int exitCode, String out, String err) {}

  private static Result cli(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> all = new HashMap<>(System.getenv());
    all.putAll(env);
    int code = RunbooksCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void theScreenAndItsJsonShowTheTargetsBackupScheduleAndAlerts() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path binary = EmbeddedTemporal.findTemporalBinary(System.getenv()).orElseThrow();
    try (LocalCluster cluster = LocalCluster.start(tmp.resolve("pg"));
        EmbeddedTemporal temporal = EmbeddedTemporal.startDevServer(binary, tmp.resolve("temporal"), freePort(), freePort());
        TemporalConnection connection = TemporalConnection.local(temporal.address())) {
      cluster.createDatabase("orders");
      Path keyring = tmp.resolve("keyring.json");
      assertEquals(0, cli(Map.of(), "keys", "init", "--keyring", keyring.toString()).exitCode());
      Path targets = Files.writeString(tmp.resolve("targets.yaml"), String.join("\n",
          "targets:",
          "  orders:",
          "    engine: postgres",
          "    connection: { host: 127.0.0.1, port: " + cluster.port() + ", database: orders, user: postgres, sslmode: disable,"
              + " password: { file: " + cluster.passwordFile() + " } }",
          "    backupStore: file:" + tmp.resolve("store"),
          "    evidence: file:" + tmp.resolve("evidence"),
          "    keys: { keyring: " + keyring + " }",
          "    monitoring: { backupMaxAgeHours: 8, walArchiveMaxLagMinutes: 15 }", ""));
      Registrations r = Registrations.forConfig(TargetsConfigLoader.load(targets));
      try (RunbookWorker worker = RunbookWorker.start(connection.client(), r.workflowTypes(), r.activities())) {
        BackupResult backup = connection.client().newWorkflowStub(BackupWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(BackupWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.RUNBOOKS).build())
            .run(RunbookInput.of(new BackupRequest("orders", null, "alice", null, null)));
        ScheduleClient schedules = ScheduleClient.newInstance(connection.service(),
            ScheduleClientOptions.newBuilder().setNamespace(connection.namespace()).build());
        schedule(schedules, "db-runbooks/orders-freshness", Map.of("target", "orders"));
        schedule(schedules, "someone-else/orders", Map.of());
        // As runbooks schedules sync writes them: no target memo, the target is in the start's input.
        schedule(schedules, "db-runbooks/orders-nightly", Map.of("managedBy", "runbooks"));

        Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address());
        Result screen = cli(env, "--targets", targets.toString(), "status", "--target", "orders");
        assertEquals(0, screen.exitCode(), screen.toString());
        String out = screen.out();
        assertTrue(out.startsWith("target orders as of "), out);
        assertTrue(out.contains("  backup      " + backup.backupId() + ", finished "), out);
        assertTrue(out.contains("ago; limit 8.0 h)"), out);
        assertTrue(out.contains("  WAL archive none (the archiver never ran"), out);
        assertTrue(out.contains("  last drill  no drill yet"), out);
        assertTrue(out.contains("  schedule    db-runbooks/orders-freshness, next run 20"), out);
        assertTrue(out.contains("  schedule    db-runbooks/orders-nightly, next run 20"), out);
        assertTrue(!out.contains("someone-else"), "a foreign schedule is not the target's: " + out);
        assertTrue(out.contains("  alerts      none open"), out);

        System.out.println("SCREEN>>\n" + out + "<<SCREEN");

        // The docs' command, with the plain temporal CLI: one check, its result.
        String start = temporal(binary, temporal.address(), "workflow", "start", "--type", "FreshnessCheckWorkflow", "--task-queue",
            "db-runbooks", "--workflow-id", "freshness/orders", "--input", "{\"target\": \"orders\"}");
        String result = temporal(binary, temporal.address(), "workflow", "result", "--workflow-id", "freshness/orders");
        System.out.println("TEMPORAL>>\n" + start + result + "<<TEMPORAL");
        assertTrue(result.contains("COMPLETED"), result);
        assertTrue(cli(env, "--targets", targets.toString(), "status", "--target", "orders").out().contains("alerts      none open"));

        Result json = cli(env, "--targets", targets.toString(), "--json", "status", "--target", "orders");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertEquals("orders", j.path("target").asText());
        assertEquals(backup.backupId(), j.path("seen").path("newestBackup").path("backupId").asText());
        assertTrue(j.path("seen").path("wal").isNull(), json.out());
        assertTrue(j.path("lastDrill").isNull(), json.out());
        assertEquals("db-runbooks/orders-freshness", j.path("schedules").get(0).path("scheduleId").asText());
        assertEquals(2, j.path("schedules").size());
        assertEquals(0, j.path("seen").path("openAlerts").size());

        Result run = cli(env, "status", "backup/orders");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("backup/orders (BackupWorkflow, run "), run.out());
        Result neither = cli(env, "status");
        assertEquals(RunbooksCli.EXIT_USAGE, neither.exitCode(), neither.toString());
      }
    }
  }

  private static void schedule(ScheduleClient schedules, String id, Map<String, Object> memo) {
    schedules.createSchedule(id, Schedule.newBuilder()
            .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(FreshnessCheckWorkflow.TYPE)
                .setArguments(RunbookInput.of(new io.dbrunbooks.workflows.monitoring.FreshnessRequest("orders", null)))
                .setOptions(WorkflowOptions.newBuilder().setWorkflowId(FreshnessCheckWorkflow.workflowId("orders"))
                    .setTaskQueue(TaskQueues.RUNBOOKS).build())
                .build())
            .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofHours(6)))).build())
            .build(),
        ScheduleOptions.newBuilder().setMemo(memo).build());
  }

  private static String temporal(Path binary, String address, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--address", address));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
    return "$ temporal " + String.join(" ", args) + "\n" + output;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
