package io.dbrunbooks.activities.config;

/**
 * The write-once evidence registry.
 *
 * @param uri {@code file:/abs/dir} or {@code s3://bucket/prefix} (a bucket with Object Lock enabled)
 * @param aws how to reach S3; null for {@code file:} registries
 * @param retentionDays S3 only: each entry is locked in COMPLIANCE mode for this many days (0 for {@code file:})
 */
public record RegistryConfig(String uri, AwsEndpoint aws, int retentionDays) {

  /** A {@code file:} registry. */
  public RegistryConfig(String uri) {
    this(uri, null, 0);
  }

  public boolean isS3() {
    return uri.startsWith("s3://");
  }
}
