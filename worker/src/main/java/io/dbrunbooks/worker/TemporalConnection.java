package io.dbrunbooks.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.envconfig.LoadClientConfigProfileOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Temporal client, configured the way every Temporal tool is: the SDK's envconfig reads
 * {@code TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, the
 * {@code TEMPORAL_TLS*} variables, {@code TEMPORAL_PROFILE} and the {@code temporal.toml} profile
 * file, so the worker connects wherever the {@code temporal} CLI does.
 */
public final class TemporalConnection implements AutoCloseable {
  /** The namespace used when none is configured, and the only one the embedded server has. */
  public static final String DEFAULT_NAMESPACE = "default";

  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;

  private TemporalConnection(WorkflowServiceStubsOptions stubsOptions, WorkflowClientOptions clientOptions) {
    this.service = WorkflowServiceStubs.newServiceStubs(stubsOptions);
    this.client = WorkflowClient.newInstance(service, clientOptions);
    this.address = stubsOptions.getTarget();
    this.namespace = client.getOptions().getNamespace();
  }

  /**
   * Loads the client profile from the environment and the profile file.
   *
   * @param env the environment to read (normally {@code System.getenv()})
   * @throws StartupException when the profile file cannot be read or names an unknown profile
   */
  public static ClientConfigProfile loadProfile(Map<String, String> env) {
    try {
      return ClientConfigProfile.load(LoadClientConfigProfileOptions.newBuilder().setEnvOverrides(env).build());
    } catch (IOException | RuntimeException e) {
      throw new StartupException("cannot load the Temporal client configuration (TEMPORAL_* variables, temporal.toml): " + e.getMessage(), e);
    }
  }

  /** True when the profile names a server; otherwise the worker starts the embedded one. */
  public static boolean hasAddress(ClientConfigProfile profile) {
    return profile.getAddress() != null && !profile.getAddress().isBlank();
  }

  /** Connects as {@code profile} says (address, namespace, TLS, API key, gRPC metadata). */
  public static TemporalConnection connect(ClientConfigProfile profile) {
    WorkflowServiceStubsOptions stubs = profile.toWorkflowServiceStubsOptions();
    if (stubs.getTarget() == null) {
      stubs = WorkflowServiceStubsOptions.newBuilder(stubs).setTarget("127.0.0.1:7233").build();
    }
    return new TemporalConnection(stubs, profile.toWorkflowClientOptions());
  }

  /** Plain-text connection to a local server, e.g. the embedded one, in the default namespace. */
  public static TemporalConnection local(String address) {
    return new TemporalConnection(
        WorkflowServiceStubsOptions.newBuilder().setTarget(address).build(),
        WorkflowClientOptions.newBuilder().setNamespace(DEFAULT_NAMESPACE).build());
  }

  /**
   * Fails fast with a readable message when the server cannot be reached or the namespace does not
   * exist, instead of letting pollers retry silently; see {@link #awaitReachable}.
   */
  public void checkReachable(Duration timeout) {
    awaitReachable(timeout, slow -> {});
  }

  /** How long one attempt of {@link #awaitReachable} may take before it counts as a slow answer. */
  static final Duration ATTEMPT = Duration.ofSeconds(5);

  /**
   * Waits up to {@code bound} for the server to answer, telling an unreachable server from a slow
   * one. Nothing listening (connection refused) or an unknown host fails at once, as do answers that
   * no wait can change (unknown namespace, rejected credentials). A server that accepted the
   * connection but has not answered within {@link #ATTEMPT} (a busy machine) is asked again, and
   * {@code onSlow} hears about it once; transient unavailability is retried with backoff. Only when
   * {@code bound} has passed does it fail, saying which of the two it was.
   *
   * @throws StartupException naming the address and what happened
   */
  public void awaitReachable(Duration bound, java.util.function.Consumer<String> onSlow) {
    long deadline = System.nanoTime() + bound.toNanos();
    long backoffMillis = 200;
    boolean slowReported = false;
    while (true) {
      long left = Math.max(1, deadline - System.nanoTime());
      StatusRuntimeException failure;
      try {
        service.blockingStub()
            .withDeadlineAfter(Math.min(left, ATTEMPT.toNanos()), TimeUnit.NANOSECONDS)
            .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
        return;
      } catch (StatusRuntimeException e) {
        failure = e;
      }
      Status.Code code = failure.getStatus().getCode();
      boolean slow = code == Status.Code.DEADLINE_EXCEEDED;
      if (!slow && code != Status.Code.UNAVAILABLE && code != Status.Code.RESOURCE_EXHAUSTED) {
        throw new StartupException("cannot use Temporal namespace " + namespace + " at " + address + ": " + describe(failure)
            + " (check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the TLS / API-key settings)", failure);
      }
      Throwable cause = rootCause(failure);
      if (cause instanceof java.net.ConnectException) {
        throw new StartupException("Temporal is unreachable: nothing listens at " + address + " (" + cause.getMessage()
            + "); check TEMPORAL_ADDRESS", failure);
      }
      if (cause instanceof java.net.UnknownHostException || cause instanceof java.nio.channels.UnresolvedAddressException) {
        throw new StartupException("Temporal is unreachable: the host of " + address + " is unknown; check TEMPORAL_ADDRESS", failure);
      }
      if (slow && !slowReported && !acceptsConnections(ATTEMPT.toNanos())) {
        throw new StartupException("Temporal is unreachable: connecting to " + address + " got no answer (a wrong address, or a"
            + " firewall that drops the packets); check TEMPORAL_ADDRESS", failure);
      }
      long waited = bound.toNanos() - (deadline - System.nanoTime());
      if (deadline - System.nanoTime() <= 0) {
        long seconds = Math.max(1, Math.round(bound.toMillis() / 1000.0));
        throw new StartupException(slow
            ? "Temporal at " + address + " did not answer within " + seconds + " s (it is reachable but slow: it accepted the"
                + " connection, no answer came); a busy machine may need longer: set RUNBOOKS_TEMPORAL_WAIT=<seconds>"
            : "Temporal at " + address + " kept answering " + describe(failure) + " for " + seconds + " s (check"
                + " TEMPORAL_ADDRESS and the TLS / API-key settings)", failure);
      }
      if (slow && !slowReported) {
        onSlow.accept("Temporal at " + address + " has not answered within " + Math.round(waited / 1e9) + " s (reachable but"
            + " slow); waiting up to " + bound.toSeconds() + " s");
        slowReported = true;
      }
      if (!slow) {
        // A quick failure: back off before the next attempt instead of spinning.
        long pause = Math.min(backoffMillis, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try {
          Thread.sleep(Math.max(0, pause));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StartupException("interrupted while waiting for Temporal at " + address, e);
        }
        backoffMillis = Math.min(backoffMillis * 2, 5_000);
      }
    }
  }

  /**
   * Whether the server's host accepts a TCP connection on its port within {@code timeoutNanos}: the
   * kernel completes the handshake however busy the server process is, so an accepted connection
   * means a reachable server, a timeout means packets go nowhere. True when the address is not a
   * plain host:port (nothing to say then).
   */
  private boolean acceptsConnections(long timeoutNanos) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      return true;
    }
    String host = address.substring(0, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      return true;
    }
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(host, port), (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // refused now, or anything else: the next attempt of the caller says what
    }
  }

  private static String describe(StatusRuntimeException e) {
    return e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription());
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  public WorkflowServiceStubs service() {
    return service;
  }

  public WorkflowClient client() {
    return client;
  }

  /** host:port of the frontend. */
  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  @Override
  public void close() {
    service.shutdown();
    if (!service.awaitTermination(5, TimeUnit.SECONDS)) {
      service.shutdownNow();
    }
  }
}
