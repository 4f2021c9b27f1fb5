package io.dbrunbooks.activities.restore;

import static io.dbrunbooks.activities.restore.RestoreFailures.ARTIFACT_DAMAGED;
import static io.dbrunbooks.activities.restore.RestoreFailures.nonRetryable;
import static io.dbrunbooks.activities.restore.RestoreFailures.retryable;

import com.github.luben.zstd.ZstdInputStream;
import io.dbrunbooks.activities.crypto.DecryptingInputStream;
import io.dbrunbooks.activities.crypto.Sha256InputStream;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.StoreInputStream;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Streams a physical base backup from the store into a data directory in one pass: stored SHA-256,
 * envelope decryption, zstd, source SHA-256, then {@code tar -x} as the server's OS user. No
 * temporary copy. Both checksums and sizes must match the manifest, or the directory is not used.
 */
final class BaseBackupUnpacker {
  record Result(long storedBytes, long sourceBytes, int entries, List<String> checks) {}

  private final PgTools tools;
  private final BackupStore store;
  private final KeySource keys;

  BaseBackupUnpacker(PgTools tools, BackupStore store, KeySource keys) {
    this.tools = tools;
    this.store = store;
    this.keys = keys;
  }

  /** @param data an empty directory owned by the server user */
  Result unpack(BackupArtifact a, Path data, ActivityProgress progress, PgTools.CurrentChild child) throws IOException {
    Path listing = data.getParent().resolve("tar-entries.txt");
    ProcessBuilder pb = new ProcessBuilder(PgTools.asServerUser(List.of("tar", "-x", "-v", "-f", "-", "-C", data.toString())))
        .redirectOutput(listing.toFile());
    PgTools.Running tar = tools.start(pb);
    child.track(tar.process());
    try {
      return unpack(a, data, listing, tar, progress);
    } finally {
      tar.kill(); // a no-op once tar has exited; stops it when the stream broke
    }
  }

  private Result unpack(BackupArtifact a, Path data, Path listing, PgTools.Running tar, ActivityProgress progress)
      throws IOException {
    String where = a.location();
    List<String> checks = new ArrayList<>();
    Sha256InputStream stored;
    Sha256InputStream source;
    try (InputStream raw = open(a)) {
      stored = new Sha256InputStream(new BufferedInputStream(raw, 1 << 20));
      try {
        DecryptingInputStream decrypted = new DecryptingInputStream(stored, (id, wrapped) -> unwrap(a, id, wrapped));
        source = new Sha256InputStream(new ZstdInputStream(decrypted));
        copy(source, tar.stdin(), progress);
        source.close();
        checks.add("data key unwrapped with " + a.wrappingKeyId() + "; " + decrypted.frames() + " AES-256-GCM frames authenticated");
      } catch (ApplicationFailure | StoreInputStream.ReadFailed e) {
        throw e;
      } catch (IOException e) {
        if (!tar.process().isAlive() && tar.waitFor() != 0) {
          throw retryable(RestoreFailures.RESTORE_FAILED, "unpacking " + where + " into " + data + " failed: tar: "
              + tar.stderr().lastLines(5));
        }
        stored.drain();
        throw nonRetryable(ARTIFACT_DAMAGED, where + " is damaged: " + e.getMessage() + "; stored SHA-256 is " + stored.hex()
            + (stored.hex().equals(a.sha256()) ? " as recorded" : ", the manifest records " + a.sha256())
            + "; choose another backup (backupId) or investigate the store");
      }
    } catch (NoSuchFileException e) {
      throw nonRetryable(ARTIFACT_DAMAGED, where + " is gone from the backup store");
    } catch (StoreInputStream.ReadFailed e) {
      throw retryable(RestoreFailures.STORE_ERROR, "reading " + where + " failed: " + e.getCause());
    }
    int exit = tar.waitFor();
    progress.checkCancelled();
    if (exit != 0) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "tar could not unpack " + where + " into " + data + " (exit " + exit + "): "
          + tar.stderr().lastLines(10));
    }
    if (!stored.hex().equals(a.sha256()) || stored.count() != a.storedBytes()) {
      throw nonRetryable(ARTIFACT_DAMAGED, where + ": stored SHA-256 is " + stored.hex() + " over " + stored.count()
          + " bytes, the manifest records " + a.sha256() + " over " + a.storedBytes() + " bytes");
    }
    checks.add("stored SHA-256 " + stored.hex() + " matches (" + stored.count() + " bytes read from " + where + ")");
    if (!source.hex().equals(a.sourceSha256()) || source.count() != a.sourceBytes()) {
      throw nonRetryable(ARTIFACT_DAMAGED, where + ": unpacked tar SHA-256 is " + source.hex() + " over " + source.count()
          + " bytes, the backup recorded " + a.sourceSha256() + " over " + a.sourceBytes() + " bytes");
    }
    checks.add("tar of " + source.count() + " bytes unpacked; SHA-256 " + source.hex() + " matches pg_basebackup's output");
    int entries = Files.readAllLines(listing).size();
    Files.deleteIfExists(listing);
    for (String required : List.of("backup_label", "backup_manifest", "global/pg_control")) {
      if (!Files.exists(data.resolve(required))) {
        throw nonRetryable(ARTIFACT_DAMAGED, where + " holds no " + required + ": not a pg_basebackup tar");
      }
    }
    checks.add(entries + " entries unpacked into " + data + "; backup_label and backup_manifest present");
    return new Result(stored.count(), source.count(), entries, checks);
  }

  private InputStream open(BackupArtifact a) throws IOException {
    try {
      return new StoreInputStream(store.open(a.key()));
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new StoreInputStream.ReadFailed(e);
    }
  }

  private byte[] unwrap(BackupArtifact a, String id, byte[] wrapped) throws IOException {
    if (!id.equals(a.wrappingKeyId()) || !Arrays.equals(wrapped, Base64.getDecoder().decode(a.wrappedDataKey()))) {
      throw new IOException("the envelope's data key (wrapped by " + id + ") is not the one the manifest records ("
          + a.wrappingKeyId() + ")");
    }
    try {
      return keys.unwrap(id, wrapped);
    } catch (IOException e) {
      throw nonRetryable(RestoreFailures.KEY_UNAVAILABLE, "cannot unwrap the data key of " + a.location() + " with "
          + id + ": " + e.getMessage());
    }
  }

  private static void copy(InputStream in, OutputStream out, ActivityProgress progress) throws IOException {
    byte[] buf = new byte[1 << 20];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      total += n;
      progress.update(total);
    }
    out.close();
  }
}
