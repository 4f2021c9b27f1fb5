package io.dbrunbooks.activities.postgres;

import static io.dbrunbooks.activities.postgres.PgFailures.VERIFICATION_FAILED;
import static io.dbrunbooks.activities.postgres.PgFailures.nonRetryable;
import static io.dbrunbooks.activities.postgres.PgFailures.retryable;

import com.github.luben.zstd.ZstdInputStream;
import io.dbrunbooks.activities.crypto.DecryptingInputStream;
import io.dbrunbooks.activities.crypto.Sha256InputStream;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.StoreInputStream;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies a stored artifact in one streaming pass: stored SHA-256, envelope authentication,
 * decompression, source SHA-256, then the engine's own check on what came out ({@code
 * pg_verifybackup} on the extracted tar, {@code pg_restore --list} on a dump).
 */
final class ArtifactVerifier {
  private final PgTools tools;
  private final BackupStore store;
  private final KeySource keys;
  private final ScratchSpace scratchSpace;

  ArtifactVerifier(PgTools tools, BackupStore store, KeySource keys, ScratchSpace scratchSpace) {
    this.tools = tools;
    this.store = store;
    this.keys = keys;
    this.scratchSpace = scratchSpace;
  }

  VerificationReport verify(BackupArtifact a, String key) {
    String where = a.location();
    List<String> checks = new ArrayList<>();
    Path scratch = null;
    Process sink = null;
    PgTools.StderrTail sinkErrors = null;
    PgTools.CurrentChild child = new PgTools.CurrentChild();
    ActivityProgress progress = null;
    try {
      Files.createDirectories(scratchSpace.dir());
      scratch = Files.createTempDirectory(scratchSpace.dir(), "db-runbooks-verify-");
      PhysicalCheck physical = a.method() == BackupMethod.PHYSICAL ? new PhysicalCheck(tools, scratch) : null;
      List<String> sinkCommand = physical != null ? physical.extractCommand()
          : List.of(tools.program("pg_restore"), "--list");
      Path sinkOutput = scratch.resolve(physical != null ? "tar-entries.txt" : "toc.txt");
      // stderr stays in memory: on a full scratch volume a file would lose the very error to report.
      sink = new ProcessBuilder(sinkCommand).redirectOutput(sinkOutput.toFile()).start();
      sinkErrors = PgTools.StderrTail.drain(sink.getErrorStream(), 16 * 1024);

      // Whatever runs now (tar, pg_restore, then pg_verifybackup) dies with its descendants when
      // the activity is cancelled or times out, so the blocked thread wakes up and rethrows.
      child.track(sink);
      progress = ActivityProgress.heartbeatsOnly(Activity.getExecutionContext(), "verification of " + where,
          ActivityProgress.STALL_LIMIT, ActivityProgress.FIRST_BYTE_GRACE).keepAlive(child::killNow);
      Sha256InputStream stored;
      Sha256InputStream source;
      long frames;
      try (InputStream raw = open(key, where)) {
        stored = new Sha256InputStream(new BufferedInputStream(raw, 1 << 20));
        try {
          DecryptingInputStream decrypted = new DecryptingInputStream(stored, (id, wrapped) -> unwrap(a, id, wrapped));
          source = new Sha256InputStream(new ZstdInputStream(decrypted));
          feed(source, sink.getOutputStream(), progress);
          frames = decrypted.frames();
          source.close(); // frees zstd's native context now rather than at GC
        } catch (StoreInputStream.ReadFailed e) {
          throw e;
        } catch (IOException e) {
          // Finish hashing what is stored, so the message can say whether the stored bytes changed.
          stored.drain();
          String sha = stored.hex();
          throw nonRetryable(VERIFICATION_FAILED, where + " is damaged: " + e.getMessage() + "; stored SHA-256 is " + sha
              + (sha.equals(a.sha256()) ? " as recorded (wrong key or a bad writer?)" : ", recorded " + a.sha256()));
        }
      }
      String storedSha = stored.hex();
      if (!storedSha.equals(a.sha256()) || stored.count() != a.storedBytes()) {
        throw mismatch(where, "stored", a.sha256(), a.storedBytes(), storedSha, stored.count());
      }
      checks.add("stored SHA-256 " + storedSha + " matches (" + stored.count() + " bytes read back from " + where + ")");
      checks.add("data key unwrapped with " + a.wrappingKeyId() + "; " + frames + " AES-256-GCM frames authenticated");
      String sourceSha = source.hex();
      if (!sourceSha.equals(a.sourceSha256()) || source.count() != a.sourceBytes()) {
        throw mismatch(where, "decrypted and decompressed", a.sourceSha256(), a.sourceBytes(), sourceSha, source.count());
      }
      checks.add("decompressed " + source.count() + " bytes; source SHA-256 " + sourceSha + " matches the tool's output");

      int exit = waitFor(sink);
      joinQuietly(sinkErrors);
      progress.checkCancelled();
      String sinkErr = sinkErrors.text();
      if (exit != 0 && ScratchSpace.isOutOfSpace(sinkErr)) {
        // The artifact checked out; only the scratch space for unpacking it ran out, and will again.
        throw outOfScratchSpace(a, sinkErrors.lastLines(3));
      }
      if (exit != 0) {
        throw nonRetryable(VERIFICATION_FAILED, where + ": " + String.join(" ", sinkCommand.subList(0, 1)) + " rejected the "
            + a.format() + " (exit " + exit + "): " + sinkErrors.lastLines(20));
      }
      List<String> listing = Files.readAllLines(sinkOutput);
      if (physical != null) {
        PhysicalCheck.Result r = physical.check(a, listing.size(), checks, child, progress);
        progress.checkCancelled();
        return new VerificationReport(a.backupId(), storedSha, sourceSha, source.count(), "pg_verifybackup", checks,
            r.startLsn(), r.stopLsn(), r.startWal(), r.stopWal(), r.timeline(), r.startTime(), a.finishedAt(),
            listing.size(), Instant.now().toString());
      }
      int entries = (int) listing.stream().filter(l -> !l.isBlank() && !l.startsWith(";")).count();
      if (entries == 0) {
        throw nonRetryable(VERIFICATION_FAILED, where + ": pg_restore --list found no entries in the dump");
      }
      checks.add("pg_restore --list read the table of contents: " + entries + " entries");
      return new VerificationReport(a.backupId(), storedSha, sourceSha, source.count(), "pg_restore --list", checks,
          null, null, null, null, 0, null, a.finishedAt(), entries, Instant.now().toString());
    } catch (ApplicationFailure e) {
      throw e;
    } catch (StoreInputStream.ReadFailed e) {
      throw retryable(PgFailures.STORE_ERROR, "reading " + where + " failed: " + e.getCause());
    } catch (IOException e) {
      if (ScratchSpace.isOutOfSpace(e.getMessage())) {
        throw outOfScratchSpace(a, e.toString());
      }
      throw retryable(PgFailures.STORE_ERROR, "verification of " + where + " could not run: " + e);
    } finally {
      if (progress != null) {
        progress.close();
      }
      if (sink != null && sink.isAlive()) {
        PgTools.killTree(sink);
      }
      PhysicalCheck.deleteTree(scratch);
    }
  }

  private InputStream open(String key, String where) throws IOException {
    try {
      return new StoreInputStream(store.open(key));
    } catch (NoSuchFileException e) {
      throw nonRetryable(VERIFICATION_FAILED, where + " does not exist in the backup store");
    }
  }

  private byte[] unwrap(BackupArtifact a, String id, byte[] wrapped) throws IOException {
    if (!id.equals(a.wrappingKeyId()) || !Arrays.equals(wrapped, java.util.Base64.getDecoder().decode(a.wrappedDataKey()))) {
      throw new IOException("the envelope's data key (wrapped by " + id + ") is not the one recorded for the backup ("
          + a.wrappingKeyId() + ")");
    }
    try {
      return keys.unwrap(id, wrapped);
    } catch (IOException e) {
      throw PostgresBackupActivities.keyFailure("cannot unwrap the data key of " + a.location(), e);
    }
  }

  /** Copies into the sink, which may stop reading early (pg_restore --list): the rest is still hashed. */
  private static void feed(InputStream in, OutputStream sink, ActivityProgress progress) throws IOException {
    byte[] buf = new byte[1 << 20];
    long total = 0;
    boolean sinkOpen = true;
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (sinkOpen) {
        try {
          sink.write(buf, 0, n);
        } catch (IOException closedEarly) {
          sinkOpen = false;
        }
      }
      total += n;
      progress.update(total);
    }
    try {
      sink.close();
    } catch (IOException ignored) {
      // already closed by the tool
    }
  }

  private static void joinQuietly(PgTools.StderrTail t) throws IOException {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int waitFor(Process p) throws IOException {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Out of scratch space is not worth retrying: the same backup needs the same room next time. */
  private ApplicationFailure outOfScratchSpace(BackupArtifact a, String detail) {
    long free;
    try {
      free = scratchSpace.freeBytes();
    } catch (IOException e) {
      free = -1;
    }
    return nonRetryable(PgFailures.INSUFFICIENT_SPACE, "verification of " + a.location() + " ran out of space extracting"
        + " the backup in the scratch directory " + scratchSpace + " (" + free + " bytes free now, needed about "
        + ScratchSpace.neededFor(a.sourceBytes()) + " for its " + a.sourceBytes() + "-byte tar); " + scratchSpace.guidance()
        + ": " + detail);
  }

  private static ApplicationFailure mismatch(String where, String what, String expected, long expectedBytes, String got, long gotBytes) {
    return nonRetryable(VERIFICATION_FAILED, where + ": " + what + " SHA-256 is " + got + " over " + gotBytes
        + " bytes, the backup recorded " + expected + " over " + expectedBytes + " bytes");
  }
}
