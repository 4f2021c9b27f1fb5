package io.dbrunbooks.activities.postgres;

import static io.dbrunbooks.activities.postgres.PgFailures.nonRetryable;
import static io.dbrunbooks.activities.postgres.PgFailures.retryable;

import com.github.luben.zstd.ZstdOutputStream;
import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.crypto.EncryptingOutputStream;
import io.dbrunbooks.activities.crypto.EnvelopeFormat;
import io.dbrunbooks.activities.crypto.Sha256OutputStream;
import io.dbrunbooks.activities.keys.DataKey;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one backup in one pass: tool stdout, SHA-256 of the source, zstd, envelope encryption under
 * a fresh data key, SHA-256 of the stored bytes, into the store. Memory stays at a few buffers
 * whatever the database size, and nothing touches local disk.
 */
final class ArtifactWriter {
  private static final Logger log = LoggerFactory.getLogger(ArtifactWriter.class);
  static final int ZSTD_LEVEL = 3;

  private final PgTools tools;
  private final TargetConfig target;
  private final BackupStore store;
  private final KeySource keys;
  private final String password;
  private final java.time.Duration stallLimit;
  private final java.time.Duration firstByteGrace;

  ArtifactWriter(PgTools tools, TargetConfig target, BackupStore store, KeySource keys, String password) {
    this(tools, target, store, keys, password, ActivityProgress.STALL_LIMIT, ActivityProgress.FIRST_BYTE_GRACE);
  }

  /** {@code stallLimit}/{@code firstByteGrace}: see {@link ActivityProgress}'s stall watchdog. */
  ArtifactWriter(PgTools tools, TargetConfig target, BackupStore store, KeySource keys, String password,
      java.time.Duration stallLimit, java.time.Duration firstByteGrace) {
    this.tools = tools;
    this.target = target;
    this.store = store;
    this.keys = keys;
    this.password = password;
    this.stallLimit = stallLimit;
    this.firstByteGrace = firstByteGrace;
  }

  BackupArtifact write(String backupId, BackupMethod method, String key) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    String prefix = key.substring(0, key.lastIndexOf('/') + 1);
    // Whatever an earlier attempt left (a partial, or a complete artifact whose result was lost
    // with the worker) goes first: one backup id, one artifact, always written from the start.
    List<String> stale = PostgresBackupActivities.storeCall(store, "clear earlier attempts", () -> store.deletePrefix(prefix));
    if (!stale.isEmpty() || ctx.getInfo().getAttempt() > 1) {
      log.info("backup {} attempt {}: starting over, removed {}", backupId, ctx.getInfo().getAttempt(), stale);
    }
    String tool = method == BackupMethod.LOGICAL ? "pg_dump" : "pg_basebackup";
    String toolVersion = version(tool);
    DataKey dataKey;
    try {
      dataKey = keys.newDataKey();
    } catch (IOException e) {
      throw PostgresBackupActivities.keyFailure("target '" + target.name() + "': cannot create a data key", e);
    }
    String startedAt = Instant.now().toString();
    PgTools.Running run = null;
    try (ArtifactUpload upload = PostgresBackupActivities.storeCall(store, "create " + key, () -> store.create(key));
        ActivityProgress progress = new ActivityProgress(ctx, tool + " of target '" + target.name() + "' to "
            + store.locationOf(key), stallLimit, firstByteGrace)) {
      run = tools.start(tools.builder(tool, arguments(method), password));
      run.stdin().close();
      // No bytes flow while the server runs the backup's checkpoint, which can take minutes; a tool
      // or store that stops moving bytes altogether is killed by the stall watchdog.
      progress.keepAlive(run::kill);
      Sha256OutputStream stored = new Sha256OutputStream(upload.stream());
      EncryptingOutputStream encrypted = new EncryptingOutputStream(stored, dataKey.plaintext(), dataKey.wrappingKeyId(), dataKey.wrapped());
      ZstdOutputStream compressed = new ZstdOutputStream(encrypted, ZSTD_LEVEL);
      compressed.setWorkers(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1)));
      Sha256OutputStream source = new Sha256OutputStream(compressed);
      try {
        copy(run.stdout(), source, progress, target.maxBackupBytesPerSecond(), System::nanoTime);
        int exit = run.waitFor();
        progress.checkCancelled(); // a tool killed because the activity was cancelled is not a tool failure
        if (exit != 0) {
          // Leaving the try without commit aborts the upload: no artifact appears.
          throw PgFailures.toolFailed(target.name(), target.connection(), tool, exit, run.stderr().lastLines(20));
        }
      } catch (IOException | RuntimeException e) {
        // Frees zstd's native context; what this writes lands in the .partial that the abort removes.
        closeQuietly(source, e);
        if (progress.hasStalled() && !(e instanceof ApplicationFailure)) {
          // Killing a stalled tool can surface as an I/O error: report the stall, not the symptom.
          try {
            progress.checkCancelled();
          } catch (ApplicationFailure stall) {
            stall.addSuppressed(e);
            throw stall;
          }
        }
        throw e;
      }
      source.close();
      // Last chance to find out that the server gave up on this attempt (cancelled, timed out,
      // retried elsewhere): heartbeat errors are otherwise only logged while the copy runs.
      progress.confirmStillCurrent();
      try {
        upload.commit();
      } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.NoSuchFileException e) {
        // Another attempt of this backup got ahead of this one; the newest attempt's artifact stands.
        throw retryable(PgFailures.STORE_ERROR, "backup " + backupId + " attempt " + ctx.getInfo().getAttempt()
            + " did not commit " + store.locationOf(key) + ": " + e.getMessage());
      }
      long size = PostgresBackupActivities.storeCall(store, "stat " + key, () -> store.size(key));
      if (size != stored.count()) {
        throw retryable(PgFailures.STORE_ERROR, store.locationOf(key) + " holds " + size + " bytes after commit, "
            + stored.count() + " were written");
      }
      BasebackupLog wal = method == BackupMethod.PHYSICAL ? BasebackupLog.parse(run.stderr().text()) : new BasebackupLog(null, null, 0);
      log.info("backup {} of target {}: {} source bytes, {} stored at {}", backupId, target.name(), source.count(),
          stored.count(), store.locationOf(key));
      return new BackupArtifact(backupId, target.name(), method, key, store.locationOf(key),
          method == BackupMethod.LOGICAL ? "pg_dump-custom" : "tar", source.count(), stored.count(), stored.hex(),
          source.hex(), "zstd-" + ZSTD_LEVEL, EnvelopeFormat.NAME, dataKey.wrappingKeyId(),
          Base64.getEncoder().encodeToString(dataKey.wrapped()), toolVersion, startedAt, Instant.now().toString(),
          wal.startLsn(), wal.stopLsn(), wal.timeline());
    } catch (ApplicationFailure e) {
      kill(run);
      throw e;
    } catch (java.nio.file.AccessDeniedException e) {
      kill(run);
      throw nonRetryable(PgFailures.STORE_UNWRITABLE, "backup store " + store.uri() + " refused a write: permission denied on " + e.getFile());
    } catch (IOException | RuntimeException e) {
      kill(run);
      if (e instanceof io.temporal.client.ActivityCompletionException ace) {
        throw ace;
      }
      String stderr = run == null ? "" : "\n" + run.stderr().lastLines(10);
      throw retryable(PgFailures.TOOL_FAILED, "backup of target '" + target.name() + "' to " + store.locationOf(key)
          + " failed: " + e + stderr);
    } finally {
      dataKey.destroy();
    }
  }

  private List<String> arguments(BackupMethod method) {
    PostgresConnection c = target.connection();
    List<String> a = new ArrayList<>(List.of("-h", c.host(), "-p", String.valueOf(c.port()), "-U", c.user(), "--no-password"));
    if (method == BackupMethod.LOGICAL) {
      // -Z0: zstd compresses better and faster than pg_dump's built-in gzip, and compressing twice wastes CPU.
      a.addAll(List.of("-d", c.database(), "--format=custom", "--compress=0"));
    } else {
      // The WAL goes inside the tar (pg_wal/), and with -D - pg_basebackup appends backup_manifest to it too.
      a.addAll(List.of("-D", "-", "--format=tar", "--wal-method=fetch", "--checkpoint=fast", "--verbose"));
    }
    return a;
  }

  private String version(String tool) {
    try {
      return tools.version(tool);
    } catch (IOException e) {
      throw nonRetryable(PgFailures.TOOL_FAILED, "cannot run " + tools.program(tool) + " (" + e.getMessage()
          + "); install the PostgreSQL client programs or set PG_BINDIR");
    }
  }

  static void copy(InputStream in, java.io.OutputStream out, ActivityProgress progress) throws IOException {
    copy(in, out, progress, 0, System::nanoTime);
  }

  /**
   * Copies, reading no faster than {@code maxBytesPerSecond} on average (0: unlimited). The tool
   * blocks on its full pipe meanwhile, so the database server is read at that pace too.
   */
  static void copy(InputStream in, java.io.OutputStream out, ActivityProgress progress, long maxBytesPerSecond,
      java.util.function.LongSupplier nanoClock) throws IOException {
    // Smaller reads under a limit keep the pace smooth and heartbeats flowing while throttled.
    byte[] buf = new byte[maxBytesPerSecond > 0 ? (int) Math.min(1 << 20, Math.max(8192, maxBytesPerSecond / 8)) : 1 << 20];
    long started = nanoClock.getAsLong();
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      total += n;
      progress.update(total);
      if (maxBytesPerSecond > 0) {
        long dueNanos = (long) (total * 1e9 / maxBytesPerSecond);
        long aheadMillis = (dueNanos - (nanoClock.getAsLong() - started)) / 1_000_000;
        if (aheadMillis > 0) {
          try {
            Thread.sleep(aheadMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while throttling the backup");
          }
        }
      }
    }
  }

  private static void closeQuietly(java.io.OutputStream out, Exception primary) {
    try {
      out.close();
    } catch (IOException | RuntimeException e) {
      primary.addSuppressed(e);
    }
  }

  private static void kill(PgTools.Running run) {
    if (run != null) {
      run.kill();
    }
  }
}
