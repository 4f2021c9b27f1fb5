package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default with the real {@code temporal} binary: one dev server for the class. */
class EmbeddedDevServerTest {
  @TempDir static Path workDir;
  static int port;
  static int uiPort;
  static EmbeddedTemporal server;

  @BeforeAll
  static void start() {
    assertTrue(EmbeddedTemporal.findTemporalBinary(System.getenv()).isPresent(),
        "these tests need the temporal CLI on PATH, in TEMPORAL_CLI or in ~/.cache/db-runbooks/bin (./run-tests installs it: scripts/prerequisites.sh --tests)");
    port = Ports.free();
    uiPort = Ports.free();
    server = EmbeddedTemporal.start(workDir, port, uiPort);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void runsTheDevServerOnLoopbackWithUiAndPersistence() throws Exception {
    assertEquals(EmbeddedTemporal.Kind.DEV_SERVER, server.kind());
    assertEquals("127.0.0.1:" + port, server.address());
    assertEquals("http://127.0.0.1:" + uiPort, server.uiAddress());
    assertTrue(Files.isRegularFile(workDir.resolve("temporal.db")), "database kept in the work dir");

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<Void> ui = http.send(HttpRequest.newBuilder(URI.create(server.uiAddress())).build(),
        HttpResponse.BodyHandlers.discarding());
    assertEquals(200, ui.statusCode());
  }

  @Test
  void registersEveryRunbookSearchAttribute() {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(server.address()).validateAndBuildWithDefaults());
    try {
      Map<String, IndexedValueType> custom = operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace("default").build())
          .getCustomAttributesMap();
      for (SearchAttributeKey<?> key : RunbookSearchAttributes.ALL) {
        assertEquals(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, custom.get(key.getName()), key.getName());
      }
    } finally {
      operator.shutdownNow();
    }
    try (TemporalConnection c = TemporalConnection.local(server.address())) {
      SearchAttributeCheck.verify(c.service(), c.namespace()); // passes: nothing missing
    }
  }

  @Test
  void clientAndWorkerRunAWorkflow() throws Exception {
    try (TemporalConnection c = TemporalConnection.local(server.address())) {
      c.checkReachable(Duration.ofSeconds(5));
      assertEquals("default", c.namespace());
      assertEquals("HELLO", Echo.runThroughWorker(c.client()));
    }
  }

  @Test
  void refusesAPortInUse() {
    StartupException e = assertThrows(StartupException.class,
        () -> EmbeddedTemporal.start(workDir.resolve("second"), port, Ports.free()));
    assertTrue(e.getMessage().contains("127.0.0.1:" + port + " (Temporal frontend) is already in use"), e.getMessage());
    assertTrue(e.getMessage().contains("TEMPORAL_ADDRESS=127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void workerMainConnectsThroughTheEnvironmentAndStopsCleanly() throws Exception {
    Path keyring = Files.writeString(workDir.resolve("keyring.json"), "{}");
    Path targets = Files.writeString(workDir.resolve("targets.yaml"), """
        targets:
          orders:
            engine: postgres
            connection: { host: 127.0.0.1, port: 5432, database: orders, user: backup }
            backupStore: file:/var/lib/db-runbooks/backups
            evidence: file:/var/lib/db-runbooks/evidence
            keys: { keyring: %s }
        """.formatted(keyring));
    WorkerMain main = new WorkerMain(false);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env = Map.of("TEMPORAL_ADDRESS", server.address(), "TEMPORAL_NAMESPACE", "default",
        "TEMPORAL_CONFIG_FILE", workDir.resolve("no-such-temporal.toml").toString());
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() ->
        main.run(new String[] {"--targets", targets.toString()}, env, new PrintStream(err, true, StandardCharsets.UTF_8)));
    while (!main.awaitReady(Duration.ofMillis(200))) {
      if (exit.isDone()) {
        throw new AssertionError("worker exited with " + exit.get() + ": " + err.toString(StandardCharsets.UTF_8));
      }
    }
    main.requestStop();
    assertEquals(WorkerMain.EXIT_OK, exit.get(60, TimeUnit.SECONDS), () -> err.toString(StandardCharsets.UTF_8));
  }
}
