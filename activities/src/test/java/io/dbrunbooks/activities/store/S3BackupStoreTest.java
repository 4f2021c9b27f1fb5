package io.dbrunbooks.activities.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.aws.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/** The cases of FileBackupStoreTest, against S3 (moto_server). */
class S3BackupStoreTest {
  @TempDir static Path tmp;
  static MotoServer moto;

  String bucket;
  S3BackupStore store;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start(tmp.resolve("moto"));
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void freshBucket() {
    bucket = moto.bucket("backups", false);
    store = new S3BackupStore(moto.s3(), "s3://" + bucket + "/prod/", S3BackupStore.MIN_PART_SIZE);
  }

  private List<MultipartUpload> incompleteUploads() {
    return moto.s3().listMultipartUploads(r -> r.bucket(bucket)).uploads();
  }

  private static String text(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anUploadIsInvisibleUntilCommitted() throws IOException {
    byte[] firstPart = new byte[S3BackupStore.MIN_PART_SIZE];
    try (ArtifactUpload up = store.create("orders/b1/base.tar.zst.aes")) {
      up.stream().write(firstPart);
      up.stream().write("half".getBytes(StandardCharsets.UTF_8));
      up.stream().flush();
      assertEquals(1, incompleteUploads().size(), "the first part went up as a multipart upload");
      assertFalse(store.exists("orders/b1/base.tar.zst.aes"));
      assertEquals(List.of(), store.list("orders/"));
      assertThrows(NoSuchFileException.class, () -> store.open("orders/b1/base.tar.zst.aes"));
      assertThrows(NoSuchFileException.class, () -> store.size("orders/b1/base.tar.zst.aes"));
      up.stream().write("+half".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    assertTrue(store.exists("orders/b1/base.tar.zst.aes"));
    assertEquals(firstPart.length + 9, store.size("orders/b1/base.tar.zst.aes"));
    assertEquals(List.of("orders/b1/base.tar.zst.aes"), store.list("orders/"));
    assertEquals(List.of(), incompleteUploads());
  }

  @Test
  void aSmallArtifactIsOnePutAtCommit() throws IOException {
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write("half+half".getBytes(StandardCharsets.UTF_8));
      assertFalse(store.exists("orders/b1/dump"));
      up.commit();
    }
    assertEquals("half+half", text(store.open("orders/b1/dump")));
    try (ArtifactUpload up = store.create("orders/b1/empty")) {
      up.commit();
    }
    assertEquals(0, store.size("orders/b1/empty"));
  }

  @Test
  void aSupersededUploadNeverReplacesACommittedArtifact() throws IOException {
    // The old attempt's upload is opened first; the newer attempt commits; the old one wakes up.
    try (ArtifactUpload old = store.create("orders/b2/dump")) {
      old.stream().write("old attempt".getBytes(StandardCharsets.UTF_8));
      try (ArtifactUpload current = store.create("orders/b2/dump")) {
        current.stream().write("new attempt".getBytes(StandardCharsets.UTF_8));
        current.commit();
      }
      java.nio.file.FileAlreadyExistsException refused =
          org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileAlreadyExistsException.class, old::commit);
      assertTrue(refused.getMessage().contains("superseded"), refused.getMessage());
    }
    assertEquals("new attempt", text(store.open("orders/b2/dump")));
  }

  @Test
  void aMultiPartArtifactRoundTripsByteExact() throws IOException {
    byte[] data = new byte[2 * S3BackupStore.MIN_PART_SIZE + 12345];
    new Random(7).nextBytes(data);
    try (ArtifactUpload up = store.create("orders/b1/base.tar.zst.aes")) {
      for (int off = 0; off < data.length; off += 100_000) {
        up.stream().write(data, off, Math.min(100_000, data.length - off));
      }
      up.commit();
    }
    assertEquals(data.length, store.size("orders/b1/base.tar.zst.aes"));
    try (InputStream in = store.open("orders/b1/base.tar.zst.aes")) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void closingWithoutCommitAbortsTheUpload() throws IOException {
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write(new byte[S3BackupStore.MIN_PART_SIZE + 1]);
      assertEquals(1, incompleteUploads().size());
    }
    assertEquals(List.of(), incompleteUploads());
    assertFalse(store.exists("orders/b1/dump"));
  }

  @Test
  void createAbortsAStaleUploadLeftByACrash() throws IOException {
    String stale = moto.s3().createMultipartUpload(r -> r.bucket(bucket).key("prod/orders/b1/dump")).uploadId();
    moto.s3().createMultipartUpload(r -> r.bucket(bucket).key("prod/orders/b1/dump-other"));
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write("new".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    assertEquals("new", text(store.open("orders/b1/dump")));
    List<MultipartUpload> left = incompleteUploads();
    assertEquals(List.of("prod/orders/b1/dump-other"), left.stream().map(MultipartUpload::key).toList(), "only the same key's upload is stale");
    assertFalse(left.stream().anyMatch(u -> u.uploadId().equals(stale)));
  }

  @Test
  void deletePrefixRemovesCommittedAndIncompleteAndIsIdempotent() throws IOException {
    try (ArtifactUpload up = store.create("orders/b1/a")) {
      up.commit();
    }
    String partial = moto.s3().createMultipartUpload(r -> r.bucket(bucket).key("prod/orders/b1/b")).uploadId();
    try (ArtifactUpload up = store.create("orders/b2/a")) {
      up.commit();
    }
    List<String> removed = store.deletePrefix("orders/b1/");
    String base = "s3://" + bucket + "/prod/orders/b1/";
    assertEquals(List.of(base + "a", base + "b (incomplete upload " + partial + ")"), removed);
    assertEquals(List.of("orders/b2/a"), store.list("orders/"));
    assertEquals(List.of(), incompleteUploads());
    assertEquals(List.of(), store.deletePrefix("orders/b1/"));
  }

  @Test
  void keysMustStayInsideTheStore() {
    for (String bad : List.of("../escape", "/etc/passwd", "a/../../b", "a//b", "")) {
      assertThrows(IllegalArgumentException.class, () -> store.create(bad), bad);
    }
  }

  @Test
  void describesItselfAndHasNoSpaceLimit() {
    assertEquals("s3://" + bucket + "/prod", store.uri());
    assertEquals("s3://" + bucket + "/prod/t/b/x", store.locationOf("t/b/x"));
    assertEquals(-1, store.freeBytes());
  }

  @Test
  void aWriteProbeReallyWritesAndLeavesNothing() throws IOException {
    store.probeWrite("orders/precheck-write-probe");
    assertEquals(List.of(), store.list("orders/"));
    S3BackupStore noBucket = new S3BackupStore(moto.s3(), "s3://no-such-bucket-probe/prod");
    assertThrows(AccessDeniedException.class, () -> noBucket.probeWrite("orders/precheck-write-probe"));
  }

  @Test
  void aMissingBucketIsNotWorthARetry() {
    S3BackupStore nowhere = new S3BackupStore(moto.s3(), "s3://no-such-bucket-here/x");
    AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> nowhere.list("orders/"));
    assertTrue(e.getMessage().contains("bucket no-such-bucket-here does not exist"), e.getMessage());
  }
}
