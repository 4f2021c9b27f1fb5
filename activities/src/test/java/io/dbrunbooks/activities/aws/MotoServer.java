package io.dbrunbooks.activities.aws;

import io.dbrunbooks.activities.config.AwsEndpoint;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A throwaway moto_server on 127.0.0.1 (S3 and KMS in one process), with helpers to create buckets
 * and keys through the SDK. One per test class: it takes a second or two to start.
 *
 * <p>The SDK's default credential chain must find something: unless the environment already has
 * credentials, fixed dummy ones are set as system properties (moto accepts any).
 */
public final class MotoServer implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;
  private final AwsClients clients = new AwsClients();

  private MotoServer(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** @throws IllegalStateException when moto_server is not installed or does not answer */
  public static MotoServer start(Path workDir) throws IOException, InterruptedException {
    if (System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null) {
      System.setProperty("aws.accessKeyId", "testing");
      System.setProperty("aws.secretAccessKey", "testing");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(workDir);
    Path log = workDir.resolve("moto_server.log");
    Process p;
    try {
      p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("moto_server is not installed or not on PATH (./run-tests installs it: scripts/prerequisites.sh --tests): " + e.getMessage(), e);
    }
    MotoServer m = new MotoServer(p, log, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!m.answers()) {
      if (!p.isAlive()) {
        throw new IllegalStateException("moto_server exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        m.close();
        throw new IllegalStateException("moto_server did not answer on port " + port + " within 60 s:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return m;
  }

  private boolean answers() {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpointUrl() + "/moto-api/").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      try {
        return c.getResponseCode() > 0;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  public String endpointUrl() {
    return "http://127.0.0.1:" + port;
  }

  public AwsEndpoint endpoint() {
    return new AwsEndpoint(endpointUrl(), "us-east-1", true);
  }

  public S3Client s3() {
    return clients.s3(endpoint());
  }

  public KmsClient kms() {
    return clients.kms(endpoint());
  }

  /** A fresh bucket with a unique name; {@code objectLock} enables Object Lock (and so versioning). */
  public String bucket(String hint, boolean objectLock) {
    String name = hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    s3().createBucket(r -> r.bucket(name).objectLockEnabledForBucket(objectLock ? true : null));
    return name;
  }

  /** A SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key, for wrapping data keys. */
  public KeyMetadata wrappingKey() {
    return kms().createKey(r -> r.keySpec(KeySpec.SYMMETRIC_DEFAULT).keyUsage(KeyUsageType.ENCRYPT_DECRYPT)).keyMetadata();
  }

  /** An ECC_NIST_P256 SIGN_VERIFY key, for ES256 manifest signatures. */
  public KeyMetadata signingKey() {
    return kms().createKey(r -> r.keySpec(KeySpec.ECC_NIST_P256).keyUsage(KeyUsageType.SIGN_VERIFY)).keyMetadata();
  }

  @Override
  public void close() {
    clients.close();
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
