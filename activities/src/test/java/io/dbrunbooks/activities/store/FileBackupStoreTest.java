package io.dbrunbooks.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackupStoreTest {
  @TempDir Path root;

  @Test
  void anUploadIsInvisibleUntilCommitted() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    try (ArtifactUpload up = store.create("orders/b1/base.tar.zst.aes")) {
      up.stream().write("half".getBytes(StandardCharsets.UTF_8));
      up.stream().flush();
      assertTrue(Files.exists(root.resolve("orders/b1/base.tar.zst.aes.partial")));
      assertFalse(store.exists("orders/b1/base.tar.zst.aes"));
      assertEquals(List.of(), store.list("orders/"));
      assertThrows(NoSuchFileException.class, () -> store.open("orders/b1/base.tar.zst.aes"));
      assertThrows(NoSuchFileException.class, () -> store.size("orders/b1/base.tar.zst.aes"));
      up.stream().write("+half".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    assertTrue(store.exists("orders/b1/base.tar.zst.aes"));
    assertEquals(9, store.size("orders/b1/base.tar.zst.aes"));
    assertEquals("half+half", new String(store.open("orders/b1/base.tar.zst.aes").readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(List.of("orders/b1/base.tar.zst.aes"), store.list("orders/"));
    assertFalse(Files.exists(root.resolve("orders/b1/base.tar.zst.aes.partial")));
  }

  @Test
  void closingWithoutCommitRemovesThePartial() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write(1);
    }
    assertFalse(Files.exists(root.resolve("orders/b1/dump.partial")));
    assertFalse(store.exists("orders/b1/dump"));
  }

  @Test
  void createDiscardsAStalePartialLeftByACrash() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    Path stale = root.resolve("orders/b1/dump.partial");
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "stale bytes from a dead worker");
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write("new".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    assertEquals("new", new String(store.open("orders/b1/dump").readAllBytes(), StandardCharsets.UTF_8));
    assertFalse(Files.exists(stale));
  }

  @Test
  void deletePrefixRemovesCommittedAndPartialAndIsIdempotent() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    try (ArtifactUpload up = store.create("orders/b1/a")) {
      up.commit();
    }
    Files.writeString(root.resolve("orders/b1/b.partial"), "x");
    try (ArtifactUpload up = store.create("orders/b2/a")) {
      up.commit();
    }
    List<String> removed = store.deletePrefix("orders/b1/");
    assertEquals(List.of("file:" + root.resolve("orders/b1/a"), "file:" + root.resolve("orders/b1/b.partial")), removed);
    assertFalse(Files.exists(root.resolve("orders/b1")));
    assertEquals(List.of("orders/b2/a"), store.list("orders/"));
    assertEquals(List.of(), store.deletePrefix("orders/b1/"));
  }

  @Test
  void keysMustStayInsideTheStore() {
    FileBackupStore store = new FileBackupStore(root);
    for (String bad : List.of("../escape", "/etc/passwd", "a/../../b", "a//b", "", "a/b.partial")) {
      assertThrows(IllegalArgumentException.class, () -> store.create(bad), bad);
    }
  }

  @Test
  void describesItselfAndItsSpace() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    assertEquals("file:" + root.toAbsolutePath(), store.uri());
    assertEquals("file:" + root.toAbsolutePath() + "/t/b/x", store.locationOf("t/b/x"));
    assertTrue(store.freeBytes() > 0);
  }
}
