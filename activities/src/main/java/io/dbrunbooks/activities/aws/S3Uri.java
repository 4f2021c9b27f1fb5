package io.dbrunbooks.activities.aws;

/**
 * {@code s3://bucket/prefix} split into bucket and key prefix. The prefix is empty or ends with
 * '/', so a key is simply {@code prefix + relativeKey}.
 */
public record S3Uri(String bucket, String prefix) {

  /** Parses a URI the targets loader has already validated. */
  public static S3Uri parse(String uri) {
    if (!uri.startsWith("s3://")) {
      throw new IllegalArgumentException("not an s3:// URI: " + uri);
    }
    String rest = uri.substring(5);
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    int slash = rest.indexOf('/');
    return slash < 0 ? new S3Uri(rest, "") : new S3Uri(rest.substring(0, slash), rest.substring(slash + 1) + "/");
  }

  public String objectKey(String relativeKey) {
    return prefix + relativeKey;
  }

  public String location(String objectKey) {
    return "s3://" + bucket + "/" + objectKey;
  }

  @Override
  public String toString() {
    return prefix.isEmpty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix.substring(0, prefix.length() - 1);
  }
}
