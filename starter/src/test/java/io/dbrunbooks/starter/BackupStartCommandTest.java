package io.dbrunbooks.starter;

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
      Map<String, String> env = Map.of("TEMPORAL_ADDRESS", temporal.address());

      Cli.Result first = Cli.run(env, "backup", "start", "--target", "orders", "--operator", "alice", "--json");
      assertEquals(0, first.exitCode(), first.toString());
      assertTrue(first.out().contains("\"workflowId\" : \"backup/orders\""), first.out());

      Cli.Result second = Cli.run(env, "backup", "start", "--target", "orders");
      assertEquals(3, second.exitCode(), second.toString());
      assertTrue(second.err().contains("a backup of orders is already running (workflow backup/orders, run "), second.err());
      assertTrue(second.err().contains("runbooks status backup/orders"), second.err());

      Cli.Result other = Cli.run(env, "backup", "start", "--target", "billing", "--method", "logical");
      assertEquals(0, other.exitCode(), "another target is not blocked: " + other);
    }
  }
}
