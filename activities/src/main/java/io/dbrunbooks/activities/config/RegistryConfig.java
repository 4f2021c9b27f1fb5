package io.dbrunbooks.activities.config;

/**
 * The write-once evidence registry.
 *
 * @param uri {@code file:/abs/dir} or {@code s3://bucket/prefix} (a bucket with Object Lock enabled)
 * @param aws how to reach S3; null for {@code file:} registries
 * @param retentionDays S3 only: each entry is locked in COMPLIANCE mode for this many days (0 for {@code file:})
 * @param immutable {@code file:} only: each entry also gets the immutable attribute ({@code chattr +i})
 */
public record RegistryConfig(String uri, AwsEndpoint aws, int retentionDays, boolean immutable) {

  /** A {@code file:} registry whose entries are mode 0444 only. */
  public RegistryConfig(String uri) {
    this(uri, null, 0, false);
  }

  /** An S3 registry, or a {@code file:} one without the immutable attribute. */
  public RegistryConfig(String uri, AwsEndpoint aws, int retentionDays) {
    this(uri, aws, retentionDays, false);
  }

  public boolean isS3() {
    return uri.startsWith("s3://");
  }
}
