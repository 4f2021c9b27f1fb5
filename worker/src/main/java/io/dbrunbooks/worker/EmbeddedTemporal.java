package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a local Temporal service started by the worker process itself when no
 * Temporal address is configured, listening on 127.0.0.1 so that the {@code temporal} CLI reaches
 * it with its defaults.
 *
 * <ul>
 *   <li>With a {@code temporal} binary ({@code TEMPORAL_CLI}, then {@code PATH}, then
 *       {@code ~/.cache/db-runbooks/bin/temporal}) it runs {@code temporal server start-dev} through
 *       the SDK's {@link TemporalDevServer}: Web UI included, state kept in {@code temporal.db} in
 *       the work directory so runs survive a restart, server log in {@code temporal-server.log}.
 *   <li>Otherwise it runs the SDK's Java test server in this JVM: no Web UI, no persistence.
 * </ul>
 *
 * <p>Either way the {@link RunbookSearchAttributes} are registered on the {@code default} namespace.
 */
public final class EmbeddedTemporal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporal.class);

  public static final String HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7233;
  public static final int DEFAULT_UI_PORT = 8233;

  /** Which local service is running. */
  public enum Kind {
    /** {@code temporal server start-dev}: Web UI, persisted in the work directory. */
    DEV_SERVER,
    /** The SDK's Java test server in this JVM: no Web UI, in memory. */
    JAVA_TEST_SERVER
  }

  private final Kind kind;
  private final String address;
  private final String uiAddress;
  private final AutoCloseable server;

  private EmbeddedTemporal(Kind kind, String address, String uiAddress, AutoCloseable server) {
    this.kind = kind;
    this.address = address;
    this.uiAddress = uiAddress;
    this.server = server;
  }

  /** Starts the best available local service on the default ports (7233, UI 8233). */
  public static EmbeddedTemporal start(Path workDir) {
    return start(workDir, DEFAULT_PORT, DEFAULT_UI_PORT);
  }

  /** Starts the dev server when a {@code temporal} binary is found, else the Java test server. */
  public static EmbeddedTemporal start(Path workDir, int port, int uiPort) {
    Optional<Path> binary = findTemporalBinary(System.getenv());
    if (binary.isPresent()) {
      return startDevServer(binary.get(), workDir, port, uiPort);
    }
    log.info("no temporal binary found (TEMPORAL_CLI, PATH, ~/.cache/db-runbooks/bin): using the Java test server, without Web UI or persistence");
    return startJavaTestServer(port);
  }

  /**
   * Runs {@code temporal server start-dev} on {@code 127.0.0.1:port} with the Web UI on {@code
   * uiPort}, its database and log in {@code workDir}, and the runbook search attributes registered.
   */
  public static EmbeddedTemporal startDevServer(Path temporalBinary, Path workDir, int port, int uiPort) {
    requirePortFree(port, "Temporal frontend");
    requirePortFree(uiPort, "Temporal Web UI");
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new StartupException("cannot create the work directory " + workDir + ": " + e.getMessage(), e);
    }
    List<String> extraArgs = new ArrayList<>();
    for (SearchAttributeKey<?> key : RunbookSearchAttributes.ALL) {
      extraArgs.add("--search-attribute");
      extraArgs.add(key.getName() + "=" + cliTypeName(key.getValueType()));
    }
    Path db = workDir.toAbsolutePath().resolve("temporal.db");
    Path serverLog = workDir.toAbsolutePath().resolve("temporal-server.log");
    TemporalDevServerOptions options =
        TemporalDevServerOptions.newBuilder()
            .setExistingPath(temporalBinary.toString())
            .setDownloadEnabled(false)
            .setIp(HOST)
            .setPort(port)
            .setUiEnabled(true)
            .setUiPort(uiPort)
            .setDatabaseFilename(db.toString())
            .setLogFile(serverLog.toString())
            .setStartupTimeout(Duration.ofSeconds(60))
            .setExtraArgs(extraArgs)
            .build();
    TemporalDevServer server;
    try {
      server = TemporalDevServer.start(TemporalConnection.DEFAULT_NAMESPACE, options);
    } catch (RuntimeException e) {
      throw new StartupException("cannot start " + temporalBinary + " server start-dev (log: " + serverLog + "): " + e.getMessage(), e);
    }
    log.info("started temporal server start-dev ({}) on {}:{}, database {}", temporalBinary, HOST, port, db);
    return new EmbeddedTemporal(Kind.DEV_SERVER, server.getTarget(), "http://" + HOST + ":" + uiPort, server);
  }

  /**
   * Runs the SDK's Java test server in this JVM on {@code 127.0.0.1:port} (loopback only: it has no
   * authentication) and registers the runbook search attributes through its operator service.
   */
  public static EmbeddedTemporal startJavaTestServer(int port) {
    requirePortFree(port, "Temporal frontend");
    // TestServer.createPortBoundServer binds every interface; build the same server on loopback.
    TestServicesStarter services = new TestServicesStarter(true, 0);
    Server grpc;
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(HOST, port), InsecureServerCredentials.create());
      GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
      grpc = builder.build().start();
    } catch (IOException e) {
      services.close();
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw portInUse(port, "Temporal frontend");
      }
      throw new StartupException("cannot start the Java test server on " + HOST + ":" + port + ": " + e.getMessage(), e);
    }
    AutoCloseable closer = () -> {
      grpc.shutdown();
      if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
      services.close();
    };
    String address = HOST + ":" + grpc.getPort();
    AddSearchAttributesRequest.Builder add =
        AddSearchAttributesRequest.newBuilder().setNamespace(TemporalConnection.DEFAULT_NAMESPACE);
    for (SearchAttributeKey<?> key : RunbookSearchAttributes.ALL) {
      add.putSearchAttributes(key.getName(), key.getValueType());
    }
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder().setTarget(address).validateAndBuildWithDefaults());
    try {
      operator.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).addSearchAttributes(add.build());
    } catch (StatusRuntimeException e) {
      closeQuietly(closer);
      throw new StartupException("cannot register search attributes on the Java test server: " + e.getStatus(), e);
    } finally {
      operator.shutdownNow();
    }
    log.info("started the Java test server on {}", address);
    return new EmbeddedTemporal(Kind.JAVA_TEST_SERVER, address, null, closer);
  }

  /**
   * The {@code temporal} binary to run: {@code TEMPORAL_CLI} when set (it must be executable),
   * else the first {@code temporal} on {@code PATH}, else {@code ~/.cache/db-runbooks/bin/temporal}
   * (where CI installs it).
   */
  public static Optional<Path> findTemporalBinary(Map<String, String> env) {
    String explicit = env.get("TEMPORAL_CLI");
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (!Files.isExecutable(p)) {
        throw new StartupException("TEMPORAL_CLI=" + explicit + " is not an executable file");
      }
      return Optional.of(p);
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "temporal");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    Path cached = Path.of(System.getProperty("user.home"), ".cache", "db-runbooks", "bin", "temporal");
    return Files.isExecutable(cached) ? Optional.of(cached) : Optional.empty();
  }

  /** host:port of the frontend, for clients and the {@code temporal} CLI. */
  public String address() {
    return address;
  }

  /** The Web UI URL, or null when the service has none (the Java test server). */
  public String uiAddress() {
    return uiAddress;
  }

  public Kind kind() {
    return kind;
  }

  public String namespace() {
    return TemporalConnection.DEFAULT_NAMESPACE;
  }

  @Override
  public void close() {
    closeQuietly(server);
  }

  /** The type name {@code temporal ... --search-attribute} and {@code --type} accept. */
  static String cliTypeName(IndexedValueType type) {
    return switch (type) {
      case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
      case INDEXED_VALUE_TYPE_TEXT -> "Text";
      case INDEXED_VALUE_TYPE_INT -> "Int";
      case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
      case INDEXED_VALUE_TYPE_BOOL -> "Bool";
      case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
      case INDEXED_VALUE_TYPE_KEYWORD_LIST -> "KeywordList";
      default -> throw new IllegalArgumentException("no CLI name for " + type);
    };
  }

  private static void requirePortFree(int port, String what) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
    } catch (IOException e) {
      throw portInUse(port, what);
    }
  }

  private static StartupException portInUse(int port, String what) {
    String hint = port == DEFAULT_UI_PORT || what.contains("UI")
        ? "stop whatever holds it"
        : "if a Temporal server is running there, use it with TEMPORAL_ADDRESS=" + HOST + ":" + port + "; otherwise stop whatever holds it";
    return new StartupException(HOST + ":" + port + " (" + what + ") is already in use: " + hint
        + " (a dev server left behind by a killed worker shows up as 'temporal server start-dev') and start again.");
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("stopping the embedded Temporal service: {}", e.toString());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
