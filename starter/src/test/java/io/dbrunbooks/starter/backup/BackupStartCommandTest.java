package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.Cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.worker.EmbeddedTemporal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code backup start} against the SDK's Java test server with no worker: the run stays open, which
 * is exactly the state a second start must be refused in.
 */
class BackupStartCommandTest {

  @Test
  void aSecondStartWhileOneRunsExits3AndSaysHowToWatchIt() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    try (EmbeddedTemporal temporal = EmbeddedTemporal.startJavaTestServer(port)) {
      Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address(), "RUNBOOKS_START_WAIT", "1");

      Cli.Result first = Cli.run(env, "backup", "start", "--target", "orders", "--operator", "alice", "--json");
      assertEquals(0, first.exitCode(), first.toString());
      assertTrue(first.out().contains("\"workflowId\" : \"backup/orders\""), first.out());
      assertTrue(first.out().contains("\"note\" : \"no worker has picked it up yet (task queue db-runbooks)"),
          "started, and no worker has said anything about it yet: " + first);

      Cli.Result second = Cli.run(env, "backup", "start", "--target", "orders");
      assertEquals(3, second.exitCode(), second.toString());
      assertTrue(second.err().contains("a backup of orders is already running (workflow backup/orders, run "), second.err());
      assertTrue(second.err().contains("runbooks status backup/orders"), second.err());

      Cli.Result other = Cli.run(env, "backup", "start", "--target", "billing", "--method", "logical");
      assertEquals(0, other.exitCode(), "another target is not blocked: " + other);
      assertTrue(other.out().contains("started backup of billing"), other.toString());
      assertTrue(other.out().contains("no worker has picked it up yet (task queue db-runbooks)"), other.toString());
    }
  }

  @Test
  void waitingWhenTemporalGoesAwayExits4AndDoesNotCallTheBackupFailed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    EmbeddedTemporal temporal = EmbeddedTemporal.startJavaTestServer(port);
    Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address());
    java.util.concurrent.CompletableFuture<Cli.Result> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Cli.run(env, "backup", "start", "--target", "orders", "--operator", "alice", "--wait"));
    // Once the run exists the CLI is waiting on it; with no worker it would wait forever.
    try (io.dbrunbooks.worker.TemporalConnection c = io.dbrunbooks.worker.TemporalConnection.local(temporal.address())) {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          c.client().fetchHistory("backup/orders");
          break;
        } catch (RuntimeException notYet) {
          assertTrue(System.nanoTime() < deadline, "the backup was never started: " + notYet);
          Thread.sleep(100);
        }
      }
    }
    temporal.close();

    Cli.Result r = waiting.get(2, java.util.concurrent.TimeUnit.MINUTES);
    assertEquals(4, r.exitCode(), r.toString());
    assertTrue(r.err().contains("may still be running: runbooks status backup/orders"), r.toString());
    assertTrue(!r.out().contains("backup failed") && !r.err().contains("backup failed"), r.toString());
  }
}
