package io.dbrunbooks.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.drill.DrillResult;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore drill end to end: the real dev server, the worker as its own JVM, the drill started with
 * the {@code temporal} command of docs/drills.md as written, the worker killed with SIGKILL while the
 * drill's restore replays WAL, another worker started: the drill resumes, passes and tears its copy
 * down. Each WAL fetch sleeps first, so replay lasts long enough to be interrupted.
 */
class DrillEndToEndIT {
  @TempDir static Path tmp;
  static Path temporalBinary;
  static Path targetsFile;
  static Path workerLog;
  static Path slowFetch;
  static LocalCluster cluster;
  static EmbeddedTemporal server;
  static int port;
  static WorkflowServiceStubs service;
  static WorkflowClient client;
  static final List<Process> workers = new ArrayList<>();

  @BeforeAll
  static void startEverything() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    temporalBinary = EmbeddedTemporal.findTemporalBinary(System.getenv()).orElseThrow(() -> new AssertionError(
        "the end-to-end tests need the temporal CLI (./run-tests installs it)"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase("orders");
    cluster.sql("orders", "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), note text)",
        "INSERT INTO ticks (note) SELECT md5(g::text) FROM generate_series(1, 100000) g");
    LocalKeyring keyring = LocalKeyring.create(tmp.resolve("keyring.json"));
    PgTools.handToServerUser(keyring.path());
    targetsFile = tmp.resolve("targets.yaml");
    Files.writeString(targetsFile, String.join("\n",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: { host: 127.0.0.1, port: " + cluster.port() + ", database: orders, user: postgres,"
            + " password: { file: " + cluster.passwordFile() + " }, sslmode: disable }",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring.path() + " }",
        "    restore: { directory: " + tmp.resolve("restores") + " }", ""));
    slowFetch = tmp.resolve("slow-wal-fetch.sh");
    Files.writeString(slowFetch, "#!/bin/sh\nsleep 2\nexec " + Path.of(System.getProperty("java.home"), "bin", "java")
        + " -XX:TieredStopAtLevel=1 -cp " + workerJar() + " io.dbrunbooks.activities.wal.WalFetchMain \"$@\"\n");
    Files.setPosixFilePermissions(slowFetch, PosixFilePermissions.fromString("rwxr-xr-x"));

    port = freePort();
    server = EmbeddedTemporal.startDevServer(temporalBinary, tmp.resolve("temporal"), port, freePort());
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workerLog = tmp.resolve("worker.log");
    startWorker();

    WorkflowClient.start(client.newWorkflowStub(WalArchiveWorkflow.class, options("wal-archive/orders"))::run,
        RunbookInput.of(new WalArchiveInput("orders", "alice", null, 20)));
    BackupResult backup = client.newWorkflowStub(BackupWorkflow.class, options("backup/orders"))
        .run(RunbookInput.of(new BackupRequest("orders", BackupMethod.PHYSICAL, "alice", null, null)));
    assertTrue(backup.artifact().storedBytes() > 0);
    // WAL after the backup, so that replay has several segments to fetch.
    for (int i = 0; i < 3; i++) {
      cluster.sql("orders", "INSERT INTO ticks (note) SELECT md5(g::text) FROM generate_series(1, 20000) g", "SELECT pg_switch_wal()");
    }
  }

  @AfterAll
  static void stopEverything() throws Exception {
    for (Process p : workers) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWorkerKilledMidRestoreIsReplacedAndTheDrillStillPassesAndCleansUp() throws Exception {
    String command = docsCommand("temporal workflow start --type RestoreDrillWorkflow");
    String started = bash(command);
    assertTrue(started.contains("Running execution") || started.contains("drill/orders"), started);

    WorkflowExecution restore = WorkflowExecution.newBuilder().setWorkflowId("restore/orders").build();
    await("the drill's restore replaying WAL", Duration.ofMinutes(3), () -> {
      try {
        return client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest
            .newBuilder().setNamespace("default").setExecution(restore).build()).getPendingActivitiesList().stream()
            .anyMatch(a -> a.getActivityType().getName().equals("RecoverToTarget")) ? true : null;
      } catch (io.grpc.StatusRuntimeException notYet) {
        return null;
      }
    });
    Process first = workers.get(workers.size() - 1);
    first.destroyForcibly(); // SIGKILL: no shutdown hook
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, first.exitValue(), "killed by SIGKILL");
    assertEquals(1, restoreDirectories().size(), "the copy outlives the worker");
    startWorker();

    DrillResult r = client.newUntypedWorkflowStub("drill/orders").getResult(5, TimeUnit.MINUTES, DrillResult.class);
    System.out.printf("drill after kill -9: RTO %.1f s, RPO %s s / %d bytes, copy %s%n", r.rtoSeconds(),
        r.rpo().seconds(), r.rpo().bytes(), r.cleanup().outcome());
    assertTrue(r.passed(), r.failures().toString());
    assertEquals("removed", r.cleanup().outcome());
    assertEquals(List.of(), restoreDirectories(), "torn down by the drill after the worker was replaced");
    assertTrue(recoverAttempts() >= 2, "the replay step was retried on the second worker");
    assertTrue(Files.isRegularFile(tmp.resolve("evidence/orders/drills/" + r.drillId() + "/manifest.jws")));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** The highest attempt of the restore's RecoverToTarget step, from its history. */
  static int recoverAttempts() {
    List<HistoryEvent> events = client.fetchHistory("restore/orders").getEvents();
    long scheduled = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("RecoverToTarget"))
        .mapToLong(HistoryEvent::getEventId).findFirst().orElseThrow();
    return events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        && e.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduled)
        .mapToInt(e -> e.getActivityTaskStartedEventAttributes().getAttempt()).max().orElse(0);
  }

  static List<String> restoreDirectories() throws Exception {
    Path root = tmp.resolve("restores");
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** The first command in a ```bash block of docs/drills.md starting with {@code prefix}, continuation lines included. */
  static String docsCommand(String prefix) throws Exception {
    String text = Files.readString(Path.of(System.getProperty("repo.root", "..")).resolve("docs/drills.md"));
    Matcher m = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      int at = m.group(1).indexOf(prefix);
      if (at >= 0) {
        StringBuilder cmd = new StringBuilder();
        for (String line : m.group(1).substring(at).split("\n")) {
          cmd.append(line).append('\n');
          if (!line.stripTrailing().endsWith("\\")) {
            break;
          }
        }
        return cmd.toString().strip();
      }
    }
    throw new AssertionError("docs/drills.md has no ```bash block with `" + prefix + "`");
  }

  static String bash(String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).directory(tmp.toFile());
    pb.environment().put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
    pb.environment().put("TEMPORAL_NAMESPACE", "default");
    pb.environment().put("PATH", temporalBinary.toAbsolutePath().getParent() + File.pathSeparator + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), command);
    assertEquals(0, p.exitValue(), () -> command + "\n" + out);
    return out;
  }

  static WorkflowOptions options(String workflowId) {
    return WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.RUNBOOKS).setWorkflowId(workflowId).build();
  }

  static Path workerJar() {
    return Path.of(System.getProperty("worker.jar", "target/db-runbooks-worker.jar")).toAbsolutePath();
  }

  static void startWorker() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", workerJar().toString(), "--targets", targetsFile.toString())
        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(workerLog.toFile()));
    pb.environment().put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
    pb.environment().put("RUNBOOKS_WORK_DIR", tmp.resolve("worker-work").toString());
    pb.environment().put("RUNBOOKS_WAL_FETCH_COMMAND", slowFetch.toString());
    long from = Files.exists(workerLog) ? Files.size(workerLog) : 0;
    Process p = pb.start();
    workers.add(p);
    await("worker ready", Duration.ofSeconds(90), () -> {
      if (!p.isAlive()) {
        fail("worker exited with " + p.exitValue() + ":\n" + log(0));
      }
      return log(from).contains("worker ready") ? true : null;
    });
  }

  static String log(long from) {
    try {
      byte[] all = Files.readAllBytes(workerLog);
      return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
    } catch (Exception e) {
      return "";
    }
  }

  static <T> T await(String what, Duration timeout, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        String all = log(0);
        fail("timed out waiting for " + what + "\nworker log:\n" + all.substring(Math.max(0, all.length() - 4000)));
      }
      Thread.sleep(200);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
