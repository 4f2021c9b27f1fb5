package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.Cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalSegment;
import io.dbrunbooks.worker.EmbeddedTemporal;
import io.dbrunbooks.worker.Registrations;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbooks wal ...} as a person or restore_command runs it. */
class WalCommandTest {
  static final int SEG = 16 << 20;
  @TempDir Path tmp;
  Path targets;
  WalArchive archive;

  @BeforeEach
  void archive() throws Exception {
    Path keyring = tmp.resolve("keyring.json");
    assertEquals(0, Cli.run("keys", "init", "--keyring", keyring.toString()).exitCode());
    targets = Files.writeString(tmp.resolve("targets.yaml"), String.join("\n",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: { host: 127.0.0.1, port: 5432, database: orders, user: backup }",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring + " }", ""));
    TargetResources resources = new TargetResources(TargetsConfigLoader.load(targets));
    archive = new WalArchive(resources.store("orders"), resources.keys("orders"), "orders");
    archive.ensureInfo("7312345678901234567", SEG, 150018);
  }

  static byte[] segment(long segNo) {
    byte[] b = new byte[SEG];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 0xD110).putInt(4, 1).putLong(8, segNo * SEG);
    return b;
  }

  void put(long... segNos) throws Exception {
    for (long n : segNos) {
      archive.putSegment(new WalSegment(1, n, SEG), segment(n));
    }
  }

  Cli.Result wal(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "wal";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--targets";
    all[args.length + 2] = targets.toString();
    return Cli.run(all);
  }

  @Test
  void verifyListsEachTimelineAndExits0WhenContinuous() throws Exception {
    put(1, 2, 3);

    Cli.Result r = wal("verify", "--target", "orders", "--deep");

    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("timeline 1: 000000010000000000000001 .. 000000010000000000000003 (3 segments), archived to 0/4000000"),
        r.out());
    assertTrue(r.out().contains("read back 3 objects"), r.out());
    assertTrue(r.out().contains("no gaps, no timeline breaks, every object intact"), r.out());
  }

  @Test
  void verifyNamesTheMissingSegmentAndExits1() throws Exception {
    put(1, 2, 4);

    Cli.Result r = wal("verify", "--target", "orders");
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.out().contains("✗ gap: timeline 1 lacks segment 000000010000000000000003"), r.out());

    Cli.Result json = wal("verify", "--target", "orders", "--json");
    assertEquals(1, json.exitCode());
    assertTrue(json.out().contains("\"ok\" : false"), json.out());
    assertTrue(json.out().contains("000000010000000000000003"), json.out());
  }

  @Test
  void fetchWritesTheSegmentOrExits1WhenTheArchiveLacksIt() throws Exception {
    put(1);
    Path dest = tmp.resolve("RECOVERYXLOG");

    Cli.Result r = wal("fetch", "--target", "orders", "000000010000000000000001", dest.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertArrayEquals(segment(1), Files.readAllBytes(dest));

    Cli.Result missing = wal("fetch", "--target", "orders", "000000010000000000000009", tmp.resolve("other").toString());
    assertEquals(1, missing.exitCode(), missing.toString());
    assertFalse(Files.exists(tmp.resolve("other")));
  }

  @Test
  void fetchRefusesAPathAsTheFileNameLoudlyAndAboveWhatPostgresqlTakesForNotArchived() throws Exception {
    put(1);
    // A restore_command with %p and %f swapped: PostgreSQL passes pg_wal/RECOVERYXLOG as the name.
    Cli.Result swapped = wal("fetch", "--target", "orders", "pg_wal/RECOVERYXLOG", tmp.resolve("000000010000000000000001").toString());
    assertEquals(128, swapped.exitCode(), swapped.toString());
    assertTrue(swapped.err().contains("the WAL file name (%f) is 'pg_wal/RECOVERYXLOG', a path")
        && swapped.err().contains("restore_command passes %f, the name, before %p"), swapped.err());
    assertFalse(Files.exists(tmp.resolve("000000010000000000000001")));

    Cli.Result traversal = wal("fetch", "--target", "orders", "../../orders/wal/archive.json", tmp.resolve("x").toString());
    assertEquals(128, traversal.exitCode(), traversal.toString());
    assertTrue(traversal.err().contains("a path"), traversal.err());

    Cli.Result usage = wal("fetch", "--target", "orders", "000000010000000000000001");
    assertEquals(128, usage.exitCode(), "a missing %p is no 'not archived' either: " + usage);

    // What PostgreSQL does ask for and the archive lacks stays a quiet 1.
    Cli.Result history = wal("fetch", "--target", "orders", "00000002.history", tmp.resolve("h").toString());
    assertEquals(1, history.exitCode(), history.toString());
    assertEquals("", history.err().strip());
  }

  @Test
  void archiveStatusShowsTheCallRetryingAndWhy() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    // Port 1: nothing listens, so every archiving call fails and Temporal retries it.
    Path unreachable = Files.writeString(tmp.resolve("unreachable.yaml"), Files.readString(targets).replace("port: 5432", "port: 1"));
    try (EmbeddedTemporal temporal = EmbeddedTemporal.startJavaTestServer(port);
        TemporalConnection connection = TemporalConnection.local(temporal.address())) {
      WorkerFactory factory = WorkerFactory.newInstance(connection.client());
      Registrations r = Registrations.forConfig(TargetsConfigLoader.load(unreachable));
      Worker worker = factory.newWorker(TaskQueues.RUNBOOKS);
      worker.registerWorkflowImplementationTypes(r.workflowTypes().toArray(Class<?>[]::new));
      worker.registerActivitiesImplementations(r.activities().toArray());
      factory.start();
      try {
        Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address());
        assertEquals(0, Cli.run(env, "wal", "archive", "start", "--target", "orders", "--operator", "alice").exitCode());

        Cli.Result status = null;
        for (int i = 0; i < 100; i++) {
          status = Cli.run(env, "wal", "archive", "status", "--target", "orders");
          if (status.out().contains("retrying")) {
            break;
          }
          Thread.sleep(200);
        }
        assertEquals(0, status.exitCode(), status.toString());
        assertTrue(status.out().contains("state        archiving"), status.out());
        assertTrue(status.out().contains("retrying     attempt "), status.out());
        assertTrue(status.out().contains("of ArchiveWal, last failure: cannot reach PostgreSQL for target 'orders'"), status.out());

        assertEquals(0, Cli.run(env, "wal", "archive", "stop", "--target", "orders").exitCode());
      } finally {
        factory.shutdownNow();
      }
    }
  }

  @Test
  void archiveStartRefusesASecondArchiverOfTheSameTarget() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    try (EmbeddedTemporal temporal = EmbeddedTemporal.startJavaTestServer(port)) {
      Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address());
      Cli.Result first = Cli.run(env, "wal", "archive", "start", "--target", "orders", "--operator", "alice");
      assertEquals(0, first.exitCode(), first.toString());
      assertTrue(first.out().contains("workflow wal-archive/orders"), first.out());

      Cli.Result second = Cli.run(env, "wal", "archive", "start", "--target", "orders");
      assertEquals(3, second.exitCode(), second.toString());
      assertTrue(second.err().contains("the WAL archiver of orders is already running (workflow wal-archive/orders"), second.err());

      Cli.Result stop = Cli.run(env, "wal", "archive", "stop", "--target", "orders");
      assertEquals(0, stop.exitCode(), stop.toString());
    }
  }
}
