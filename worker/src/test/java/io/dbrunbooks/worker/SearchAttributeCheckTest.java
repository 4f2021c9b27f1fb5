package io.dbrunbooks.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A production-like server where nobody registered the runbook search attributes. */
class SearchAttributeCheckTest {
  @TempDir static Path dir;
  static TemporalDevServer server;

  @BeforeAll
  static void start() {
    Path binary = EmbeddedTemporal.findTemporalBinary(System.getenv()).orElseThrow(
        () -> new AssertionError("these tests need the temporal CLI (./run-tests installs it: scripts/prerequisites.sh --tests)"));
    server = TemporalDevServer.start(TemporalDevServerOptions.newBuilder()
        .setExistingPath(binary.toString())
        .setDownloadEnabled(false)
        .setUiEnabled(false)
        .setLogFile(dir.resolve("server.log").toString())
        .build()); // no --search-attribute arguments
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void refusesWithTheCommandsThatFixIt() {
    String message;
    try (TemporalConnection c = TemporalConnection.local(server.getTarget())) {
      message = assertThrows(StartupException.class, () -> SearchAttributeCheck.verify(c.service(), "default")).getMessage();
    }
    assertTrue(message.startsWith("namespace default is not ready for runbooks: search attributes "
        + "RunbookTarget, RunbookName, RunbookPhase, RunbookOperator are not registered. Register with:\n"), message);
    for (String name : new String[] {"RunbookTarget", "RunbookName", "RunbookPhase", "RunbookOperator"}) {
      assertTrue(message.contains("  temporal operator search-attribute create --namespace default --name " + name + " --type Keyword"), message);
    }
  }

  @Test
  void namesOnlyWhatIsStillMissingThenPasses() {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(server.getTarget()).validateAndBuildWithDefaults());
    try (TemporalConnection c = TemporalConnection.local(server.getTarget())) {
      operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
          .putSearchAttributes("RunbookTarget", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
          .putSearchAttributes("RunbookName", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
          .putSearchAttributes("RunbookPhase", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
          .build());
      String message = assertThrows(StartupException.class, () -> SearchAttributeCheck.verify(c.service(), "default")).getMessage();
      assertTrue(message.contains("search attribute RunbookOperator is not registered"), message);
      assertTrue(message.contains("--name RunbookOperator --type Keyword"), message);
      assertFalse(message.contains("--name RunbookTarget"), message);

      operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
          .putSearchAttributes(RunbookSearchAttributes.OPERATOR.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
          .build());
      SearchAttributeCheck.verify(c.service(), "default");
    } finally {
      operator.shutdownNow();
    }
  }
}
