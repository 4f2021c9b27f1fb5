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
      assertEquals(1, partials("orders/b1").size(), "one partial, named for this upload");
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
    assertEquals(List.of(), partials("orders/b1"));
  }

  @Test
  void closingWithoutCommitRemovesThePartial() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write(1);
    }
    assertEquals(List.of(), partials("orders/b1"));
    assertFalse(store.exists("orders/b1/dump"));
  }

  @Test
  void createDiscardsAStalePartialLeftByACrash() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    Path stale = root.resolve("orders/b1/dump.partial");
    Path staleTokened = root.resolve("orders/b1/dump.0123456789abcdef.partial");
    Path otherKey = root.resolve("orders/b1/dump2.0123456789abcdef.partial");
    Files.createDirectories(stale.getParent());
    for (Path p : List.of(stale, staleTokened, otherKey)) {
      Files.writeString(p, "stale bytes from a dead worker");
    }
    try (ArtifactUpload up = store.create("orders/b1/dump")) {
      up.stream().write("new".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    assertEquals("new", new String(store.open("orders/b1/dump").readAllBytes(), StandardCharsets.UTF_8));
    assertFalse(Files.exists(stale));
    assertFalse(Files.exists(staleTokened));
    assertTrue(Files.exists(otherKey), "another key's partial is not this upload's business");
  }

  @Test
  void aSupersededUploadCannotCommitOverTheNewerOne() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    String key = "orders/b1/base.tar.zst.aes";
    try (ArtifactUpload old = store.create(key)) {
      old.stream().write("old attempt, cut off from Temporal".getBytes(StandardCharsets.UTF_8));
      old.stream().flush();
      try (ArtifactUpload newer = store.create(key)) {
        assertEquals(1, partials("orders/b1").size(), "the newer upload discarded the older one's partial");
        newer.stream().write("newer attempt".getBytes(StandardCharsets.UTF_8));
        // The old attempt keeps streaming into its unlinked file, then tries to commit.
        old.stream().write(" still writing".getBytes(StandardCharsets.UTF_8));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, old::commit);
        assertTrue(e.getMessage().contains("superseded") && e.getMessage().contains(key), e.getMessage());
        assertFalse(store.exists(key));
        newer.commit();
      }
    }
    assertEquals("newer attempt", new String(store.open(key).readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(List.of(), partials("orders/b1"), "closing the old upload removed nothing of the newer one's");
  }

  @Test
  void aCommitNeverReplacesAnExistingArtifact() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    String key = "orders/b1/dump";
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write("first".getBytes(StandardCharsets.UTF_8));
      up.commit();
    }
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write("second".getBytes(StandardCharsets.UTF_8));
      java.nio.file.FileAlreadyExistsException e = assertThrows(java.nio.file.FileAlreadyExistsException.class, up::commit);
      assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains(key), e.getMessage());
    }
    assertEquals("first", new String(store.open(key).readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(List.of(), partials("orders/b1"), "the refused upload's partial was removed");
  }

  List<String> partials(String dir) throws IOException {
    try (var s = Files.list(root.resolve(dir))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".partial")).sorted().toList();
    }
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
  void aPrefixEndingInsideADirectoryDeletesOnlyTheKeysItNames() throws IOException {
    FileBackupStore store = new FileBackupStore(root);
    for (String key : List.of("orders/wal/0001/0001-aa", "orders/wal/0001/0001-ab", "orders/wal/0001/0002-aa")) {
      try (ArtifactUpload up = store.create(key)) {
        up.commit();
      }
    }
    assertEquals(List.of("file:" + root.resolve("orders/wal/0001/0001-aa")), store.deletePrefix("orders/wal/0001/0001-aa"));
    assertEquals(List.of("orders/wal/0001/0001-ab", "orders/wal/0001/0002-aa"), store.list("orders/"));
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
