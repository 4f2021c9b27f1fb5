package io.dbrunbooks.activities.config;

/**
 * How to reach an AWS service. Null fields fall back to the SDK's defaults, so production needs
 * none of them; tests and S3-compatible stores set them.
 *
 * @param endpoint endpoint override, e.g. {@code http://127.0.0.1:5000}; null for AWS itself
 * @param region e.g. {@code eu-west-1}; null for the SDK's region chain ({@code AWS_REGION}, profile, instance)
 * @param pathStyle S3 only: address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}
 */
public record AwsEndpoint(String endpoint, String region, boolean pathStyle) {
  public static final AwsEndpoint DEFAULT = new AwsEndpoint(null, null, false);
}
