package io.dbrunbooks.activities.config;

/**
 * Where backup artifacts go.
 *
 * @param uri {@code file:/abs/dir} or {@code s3://bucket/prefix}
 * @param aws how to reach S3; null for {@code file:} stores
 */
public record StoreConfig(String uri, AwsEndpoint aws) {

  /** A {@code file:} store, or an S3 store reached through the SDK's defaults. */
  public StoreConfig(String uri) {
    this(uri, uri != null && uri.startsWith("s3://") ? AwsEndpoint.DEFAULT : null);
  }

  public boolean isS3() {
    return uri.startsWith("s3://");
  }
}
