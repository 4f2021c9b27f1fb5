package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fallback when no {@code temporal} binary is available: the SDK's Java test server, in this JVM. */
class EmbeddedJavaTestServerTest {
  static int port;
  static EmbeddedTemporal server;

  @BeforeAll
  static void start() {
    port = Ports.free();
    server = EmbeddedTemporal.startJavaTestServer(port);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void listensOnLoopbackWithoutUi() {
    assertEquals(EmbeddedTemporal.Kind.JAVA_TEST_SERVER, server.kind());
    assertEquals("127.0.0.1:" + port, server.address());
    assertNull(server.uiAddress());
  }

  /** The server validates search attributes on start and upsert: this run fails if they were not registered. */
  @Test
  void clientAndWorkerRunAWorkflowThatSetsTheSearchAttributes() throws Exception {
    try (TemporalConnection c = TemporalConnection.local(server.address())) {
      c.checkReachable(Duration.ofSeconds(5));
      assertEquals("HELLO", Echo.runThroughWorker(c.client()));
    }
  }

  @Test
  void refusesAPortInUse() {
    StartupException e = assertThrows(StartupException.class, () -> EmbeddedTemporal.startJavaTestServer(port));
    assertTrue(e.getMessage().contains("127.0.0.1:" + port + " (Temporal frontend) is already in use"), e.getMessage());
  }
}
