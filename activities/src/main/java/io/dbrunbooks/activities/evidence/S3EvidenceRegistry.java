package io.dbrunbooks.activities.evidence;

import io.dbrunbooks.activities.aws.S3Uri;
import io.dbrunbooks.activities.store.RelativeKeys;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockConfiguration;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An evidence registry in an S3 bucket with Object Lock: every entry is written with COMPLIANCE
 * retention for {@code retentionDays}, during which nobody, the root account included, can delete
 * or overwrite that object version.
 *
 * <p>Write-once: the PUT carries {@code If-None-Match: *}, so S3 refuses it atomically when the key
 * exists (412) and of two racing writers exactly one wins. The loser compares bytes: identical means
 * a retried activity (false), different means a conflict. Object Lock alone would not be enough:
 * in a versioned bucket a second PUT adds a newer version rather than failing. For the same reason
 * {@link #get} returns the <em>oldest</em> version of a key, the one that was written first and is
 * locked, so a newer version added later (by a store that ignores If-None-Match, or by anyone
 * holding s3:PutObject) can never stand in for the original.
 *
 * <p>Before the first write the bucket's Object Lock configuration is checked; a bucket without
 * Object Lock is refused with {@link EvidenceRegistryException}. Reads need no such check.
 */
public final class S3EvidenceRegistry implements EvidenceRegistry {

  private final S3Client s3;
  private final S3Uri base;
  private final Duration retention;
  private final Clock clock;
  private volatile boolean objectLockChecked;

  public S3EvidenceRegistry(S3Client s3, String uri, int retentionDays) {
    this(s3, uri, retentionDays, Clock.systemUTC());
  }

  S3EvidenceRegistry(S3Client s3, String uri, int retentionDays, Clock clock) {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retentionDays must be >= 1, got " + retentionDays);
    }
    this.s3 = s3;
    this.base = S3Uri.parse(uri);
    this.retention = Duration.ofDays(retentionDays);
    this.clock = clock;
  }

  @Override
  public String uri() {
    return base.toString();
  }

  @Override
  public String locationOf(String path) {
    return base.location(objectKey(path));
  }

  @Override
  public boolean putOnce(String path, byte[] content) throws IOException {
    String key = objectKey(path);
    requireObjectLock();
    // Whole seconds: S3 stores retain-until dates at second precision anyway, and moto_server
    // refuses dates with more than microsecond precision, which Instant.now() can have.
    Instant retainUntil = clock.instant().plus(retention).truncatedTo(ChronoUnit.SECONDS);
    try {
      s3.putObject(r -> r.bucket(base.bucket()).key(key)
              .ifNoneMatch("*")
              .objectLockMode(ObjectLockMode.COMPLIANCE)
              .objectLockRetainUntilDate(retainUntil)
              .contentMD5(md5(content))  // Object Lock PUTs must carry an integrity checksum
              .contentLength((long) content.length),
          RequestBody.fromBytes(content));
      return true;
    } catch (S3Exception e) {
      // 412: the key exists. 409: a concurrent conditional write to the key is in flight; either
      // way the stored bytes decide between "retry" and "conflict".
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        Optional<byte[]> stored = get(path);
        if (stored.isEmpty()) {
          throw new IOException("S3 refused to create " + locationOf(path) + " (" + e.statusCode() + ") but holds no object there; retry", e);
        }
        if (!Arrays.equals(stored.get(), content)) {
          throw new EvidenceConflictException(locationOf(path));
        }
        return false;
      }
      throw failure("write", key, e);
    } catch (SdkException e) {
      throw failure("write", key, e);
    }
  }

  /** The oldest version of the entry: the original, locked one (see the class comment). */
  @Override
  public Optional<byte[]> get(String path) throws IOException {
    String key = objectKey(path);
    try {
      Optional<ObjectVersion> first = s3.listObjectVersionsPaginator(r -> r.bucket(base.bucket()).prefix(key)).versions().stream()
          .filter(v -> v.key().equals(key))
          // S3 lists a key's versions newest first; last-modified times tie within a second.
          .reduce((newer, older) -> older);
      if (first.isEmpty()) {
        return Optional.empty();
      }
      String versionId = first.get().versionId();
      return Optional.of(s3.getObjectAsBytes(r -> r.bucket(base.bucket()).key(key).versionId(versionId)).asByteArray());
    } catch (SdkException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    String p = base.objectKey(prefix);
    try {
      return s3.listObjectsV2Paginator(r -> r.bucket(base.bucket()).prefix(p)).contents().stream()
          .map(o -> o.key().substring(base.prefix().length()))
          .sorted()
          .toList();
    } catch (SdkException e) {
      throw failure("list", p, e);
    }
  }

  /**
   * Refuses a bucket without Object Lock: evidence there could be deleted by anyone with
   * s3:DeleteObject, which defeats the point of a registry. Checked once per registry instance.
   */
  private void requireObjectLock() throws IOException {
    if (objectLockChecked) {
      return;
    }
    ObjectLockConfiguration config;
    try {
      config = s3.getObjectLockConfiguration(r -> r.bucket(base.bucket())).objectLockConfiguration();
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if ("ObjectLockConfigurationNotFoundError".equals(code)) {
        config = null;
      } else {
        throw failure("read the Object Lock configuration of", "", e);
      }
    } catch (SdkException e) {
      throw failure("read the Object Lock configuration of", "", e);
    }
    if (config == null || config.objectLockEnabled() != ObjectLockEnabled.ENABLED) {
      throw new EvidenceRegistryException("evidence registry " + uri() + ": bucket " + base.bucket()
          + " does not have Object Lock enabled, so evidence written there could be deleted or overwritten; "
          + "use a bucket created with Object Lock (aws s3api create-bucket --object-lock-enabled-for-bucket ...)");
    }
    objectLockChecked = true;
  }

  /** Refusals a retry cannot fix become {@link EvidenceRegistryException}; the rest stay retryable. */
  private IOException failure(String what, String key, SdkException e) {
    String where = key.isEmpty() ? "s3://" + base.bucket() : base.location(key);
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      if ("NoSuchBucket".equals(code)) {
        return new EvidenceRegistryException("evidence registry " + uri() + ": bucket " + base.bucket() + " does not exist", e);
      }
      if (s.statusCode() == 403) {
        return new EvidenceRegistryException("evidence registry " + uri() + ": S3 refused to " + what + " " + where + " (" + code
            + "); check the worker's IAM policy (s3:PutObject, s3:PutObjectRetention, s3:GetObject, s3:GetObjectVersion, "
            + "s3:ListBucket, s3:ListBucketVersions, s3:GetBucketObjectLockConfiguration)", e);
      }
    }
    return new IOException("evidence registry " + uri() + ": S3 failed to " + what + " " + where + ": " + e.getMessage(), e);
  }

  /** Same rules as the file registry: relative, slash-separated, no empty or dot-led segments. */
  private String objectKey(String path) {
    return base.objectKey(RelativeKeys.check("evidence path", path, true));
  }

  private static String md5(byte[] content) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is a required JDK algorithm", e);
    }
  }
}
