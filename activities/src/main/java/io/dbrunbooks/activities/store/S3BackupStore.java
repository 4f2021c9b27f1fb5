package io.dbrunbooks.activities.store;

import io.dbrunbooks.activities.aws.S3Uri;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A backup store under {@code s3://bucket/prefix}.
 *
 * <p>An artifact is written as a multipart upload, which S3 keeps invisible until
 * CompleteMultipartUpload: that is the commit, and a crash before it leaves an incomplete upload
 * that GET, HEAD and LIST never show. Memory is one part buffer per upload whatever the artifact
 * size; artifacts smaller than one part are sent with a single PutObject at commit, so a crash
 * before commit leaves nothing at all.
 *
 * <p>Incomplete uploads cost storage until aborted: {@link #create} aborts those of the same key
 * (a crashed earlier attempt), {@link #deletePrefix} those under the prefix. A bucket lifecycle
 * rule {@code AbortIncompleteMultipartUpload} is still advisable for uploads nobody retries.
 */
public final class S3BackupStore implements BackupStore {
  private static final Logger log = LoggerFactory.getLogger(S3BackupStore.class);

  /** Default part size, and the memory one upload holds until its artifact passes 62.5 GiB. */
  public static final int DEFAULT_PART_SIZE = 16 << 20;

  /** S3 refuses parts below 5 MiB except the last one. */
  static final int MIN_PART_SIZE = 5 << 20;

  private static final int MAX_PARTS = 10_000;

  private final S3Client s3;
  private final S3Uri base;
  private final int partSize;

  public S3BackupStore(S3Client s3, String uri) {
    this(s3, uri, DEFAULT_PART_SIZE);
  }

  /** @param partSize bytes per part (at least 5 MiB); the only memory an upload holds */
  public S3BackupStore(S3Client s3, String uri, int partSize) {
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("S3 part size must be at least 5 MiB, got " + partSize);
    }
    this.s3 = s3;
    this.base = S3Uri.parse(uri);
    this.partSize = partSize;
  }

  @Override
  public String uri() {
    return base.toString();
  }

  @Override
  public String locationOf(String key) {
    RelativeKeys.check("artifact key", key, false);
    return base.location(base.objectKey(key));
  }

  @Override
  public ArtifactUpload create(String key) throws IOException {
    String objectKey = objectKey(key);
    for (MultipartUpload stale : incompleteUploads(objectKey)) {
      if (stale.key().equals(objectKey)) {
        abort(objectKey, stale.uploadId());
        log.info("aborted an incomplete upload left by an earlier attempt location={} uploadId={}", locationOf(key), stale.uploadId());
      }
    }
    return new Upload(objectKey);
  }

  @Override
  public InputStream open(String key) throws IOException {
    String objectKey = objectKey(key);
    return call("read", objectKey, () -> s3.getObject(r -> r.bucket(base.bucket()).key(objectKey)));
  }

  @Override
  public boolean exists(String key) throws IOException {
    try {
      head(objectKey(key));
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  @Override
  public long size(String key) throws IOException {
    return head(objectKey(key)).contentLength();
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    for (S3Object o : objectsUnder(prefix)) {
      keys.add(o.key().substring(base.prefix().length()));
    }
    return keys;
  }

  @Override
  public List<String> deletePrefix(String prefix) throws IOException {
    List<String> removed = new ArrayList<>();
    for (S3Object o : objectsUnder(prefix)) {
      call("delete", o.key(), () -> s3.deleteObject(r -> r.bucket(base.bucket()).key(o.key())));
      removed.add(base.location(o.key()));
    }
    for (MultipartUpload u : incompleteUploads(base.objectKey(validPrefix(prefix)))) {
      abort(u.key(), u.uploadId());
      removed.add(base.location(u.key()) + " (incomplete upload " + u.uploadId() + ")");
    }
    return removed;
  }

  /** S3 has no meaningful free space; the precheck treats -1 as "no limit". */
  @Override
  public void probeWrite(String key) throws IOException {
    // A real PutObject (a buffered upload would send nothing), then its removal.
    String objectKey = objectKey(key);
    call("write", objectKey, () -> s3.putObject(r -> r.bucket(base.bucket()).key(objectKey), RequestBody.fromBytes(new byte[] {0})));
    call("delete", objectKey, () -> s3.deleteObject(r -> r.bucket(base.bucket()).key(objectKey)));
  }

  @Override
  public long freeBytes() {
    return -1;
  }

  // ---- internals -------------------------------------------------------------------------------

  private String objectKey(String key) {
    RelativeKeys.check("artifact key", key, false);
    return base.objectKey(key);
  }

  private static String validPrefix(String prefix) {
    return RelativeKeys.checkPrefix("artifact key", prefix);
  }

  private List<S3Object> objectsUnder(String prefix) throws IOException {
    String p = base.objectKey(validPrefix(prefix));
    return call("list", p, () -> s3.listObjectsV2Paginator(r -> r.bucket(base.bucket()).prefix(p)).contents().stream()
        .sorted((a, b) -> a.key().compareTo(b.key())).toList());
  }

  private List<MultipartUpload> incompleteUploads(String keyPrefix) throws IOException {
    return call("list incomplete uploads", keyPrefix, () ->
        s3.listMultipartUploadsPaginator(r -> r.bucket(base.bucket()).prefix(keyPrefix)).uploads().stream().toList());
  }

  private void abort(String objectKey, String uploadId) throws IOException {
    try {
      call("abort the incomplete upload", objectKey, () -> s3.abortMultipartUpload(r -> r.bucket(base.bucket()).key(objectKey).uploadId(uploadId)));
    } catch (NoSuchFileException alreadyGone) {
      // NoSuchUpload: completed or aborted meanwhile; either way nothing is left to abort.
    }
  }

  private HeadObjectResponse head(String objectKey) throws IOException {
    return call("stat", objectKey, () -> s3.headObject(r -> r.bucket(base.bucket()).key(objectKey)));
  }

  private interface S3Call<T> {
    T call();
  }

  /**
   * Runs one S3 request and turns SDK exceptions into the I/O exceptions the activities classify:
   * {@link NoSuchFileException} for a missing object, {@link AccessDeniedException} (not worth a
   * retry) for a refused request or a missing bucket, plain {@link IOException} otherwise. The SDK
   * has already retried throttling and 5xx answers by then.
   */
  private <T> T call(String what, String objectKey, S3Call<T> c) throws IOException {
    String location = base.location(objectKey);
    try {
      return c.call();
    } catch (S3Exception e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      if ("NoSuchBucket".equals(code)) {
        throw new AccessDeniedException(location, null, "bucket " + base.bucket() + " does not exist; create it or fix backupStore");
      }
      if (e.statusCode() == 404 || "NoSuchKey".equals(code) || "NoSuchUpload".equals(code)) {
        throw new NoSuchFileException(location);
      }
      if (e.statusCode() == 412) {
        throw new FileAlreadyExistsException(location, null, "an artifact was committed there meanwhile (by a newer attempt);"
            + " this upload was superseded and is not written");
      }
      if (e.statusCode() == 403) {
        throw new AccessDeniedException(location, null, "S3 refused to " + what + " (" + code
            + "); check the worker's IAM policy and the bucket policy for s3://" + base.bucket());
      }
      throw new IOException("S3 failed to " + what + " " + location + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("S3 failed to " + what + " " + location + ": " + e.getMessage(), e);
    }
  }

  /**
   * Buffers one part, uploads it when full. Parts grow (x2 after 4,000 parts, x4 after 7,000) so
   * S3's 10,000-part limit admits artifacts of about 340 GiB at the default size (62.5 + 93.75 +
   * 187.5 GiB) rather than 156 GiB, at the cost of a larger buffer (64 MiB) only for such artifacts.
   * Beyond that the upload fails with a message naming the limit; raise the part size then.
   */
  private final class Upload implements ArtifactUpload {
    private final String objectKey;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buffer;
    private int filled;
    private long total;
    private String uploadId;
    private boolean committed;
    private boolean closed;
    private final OutputStream stream = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (committed || closed) {
          throw new IOException("upload of " + base.location(objectKey) + " is already " + (committed ? "committed" : "closed"));
        }
        while (len > 0) {
          int n = Math.min(len, buffer.length - filled);
          System.arraycopy(b, off, buffer, filled, n);
          filled += n;
          off += n;
          len -= n;
          total += n;
          if (filled == buffer.length) {
            uploadPart();
          }
        }
      }

      // flush() and close() keep the buffer: a part smaller than 5 MiB may only be the last one.
      @Override
      public void close() {}
    };

    Upload(String objectKey) {
      this.objectKey = objectKey;
      this.buffer = new byte[partSize];
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    private void uploadPart() throws IOException {
      if (uploadId == null) {
        uploadId = call("start an upload", objectKey, () ->
            s3.createMultipartUpload(r -> r.bucket(base.bucket()).key(objectKey)).uploadId());
      }
      int number = parts.size() + 1;
      if (number > MAX_PARTS) {
        throw new IOException("artifact " + base.location(objectKey) + " exceeds S3's limit of " + MAX_PARTS + " parts");
      }
      // A ByteArrayInputStream supports reset, so the SDK can resend the part on a retry without
      // a second copy of the buffer.
      RequestBody body = RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, filled), filled);
      String etag = call("upload part " + number + " of", objectKey, () -> s3.uploadPart(r -> r.bucket(base.bucket()).key(objectKey)
          .uploadId(uploadId).partNumber(number).contentLength((long) filled), body).eTag());
      parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      filled = 0;
      int grow = parts.size() == 4_000 || parts.size() == 7_000 ? 2 : 1;
      if (grow > 1) {
        buffer = new byte[buffer.length * grow];
      }
    }

    @Override
    public void commit() throws IOException {
      if (uploadId == null) {
        RequestBody body = RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, filled), filled);
        // If-None-Match: a superseded attempt that wakes up late must not replace the artifact a
        // newer attempt committed (and the workflow may already have sealed).
        call("write", objectKey, () -> s3.putObject(r -> r.bucket(base.bucket()).key(objectKey).contentLength((long) filled)
            .ifNoneMatch("*"), body));
      } else {
        if (filled > 0) {
          uploadPart();
        }
        call("complete the upload of", objectKey, () -> s3.completeMultipartUpload(r -> r.bucket(base.bucket()).key(objectKey)
            .uploadId(uploadId).multipartUpload(m -> m.parts(parts)).ifNoneMatch("*")));
      }
      // Trust, then verify: a completed upload with a part missing would be a silent truncation.
      long stored = head(objectKey).contentLength();
      if (stored != total) {
        throw new IOException(base.location(objectKey) + " holds " + stored + " bytes after commit, " + total + " were written");
      }
      committed = true;
      buffer = null;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      buffer = null;
      if (!committed && uploadId != null) {
        abort(objectKey, uploadId);
      }
    }
  }
}
