package io.dbrunbooks.activities.aws;

import io.dbrunbooks.activities.config.AwsEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One S3 and one KMS client per distinct endpoint/region, built on first use and shared by every
 * target that names them: SDK clients are thread-safe and each holds a connection pool, so one per
 * target would waste sockets. Credentials always come from the SDK's default chain (environment,
 * profile, web identity, container or instance role): the targets file never holds secrets.
 */
public final class AwsClients implements AutoCloseable {
  private final Map<AwsEndpoint, S3Client> s3 = new ConcurrentHashMap<>();
  private final Map<AwsEndpoint, KmsClient> kms = new ConcurrentHashMap<>();

  public S3Client s3(AwsEndpoint e) {
    return s3.computeIfAbsent(e, k -> {
      var b = S3Client.builder()
          .httpClient(http())
          .credentialsProvider(DefaultCredentialsProvider.create())
          .forcePathStyle(k.pathStyle());
      if (k.endpoint() != null) {
        b.endpointOverride(URI.create(k.endpoint()));
      }
      if (k.region() != null) {
        b.region(Region.of(k.region()));
      }
      return b.build();
    });
  }

  public KmsClient kms(AwsEndpoint e) {
    // pathStyle means nothing to KMS: do not build a second client because of it.
    return kms.computeIfAbsent(new AwsEndpoint(e.endpoint(), e.region(), false), k -> {
      var b = KmsClient.builder().httpClient(http()).credentialsProvider(DefaultCredentialsProvider.create());
      if (k.endpoint() != null) {
        b.endpointOverride(URI.create(k.endpoint()));
      }
      if (k.region() != null) {
        b.region(Region.of(k.region()));
      }
      return b.build();
    });
  }

  private static software.amazon.awssdk.http.SdkHttpClient http() {
    // Generous socket timeout: a 16 MiB part on a slow link takes a while, and a stuck request
    // must still end so the activity's retry can take over.
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofMinutes(2))
        .build();
  }

  @Override
  public void close() {
    s3.values().forEach(S3Client::close);
    kms.values().forEach(KmsClient::close);
  }
}
