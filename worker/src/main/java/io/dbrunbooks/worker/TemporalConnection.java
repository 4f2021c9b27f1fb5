package io.dbrunbooks.worker;

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
   * exist, instead of letting pollers retry silently.
   */
  public void checkReachable(Duration timeout) {
    try {
      service.blockingStub()
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      throw new StartupException("cannot use Temporal namespace " + namespace + " at " + address + ": "
          + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription())
          + " (check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the TLS / API-key settings)", e);
    }
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
