package io.dbrunbooks.activities.pgbouncer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes the switches of one databases file: a lock per file inside this JVM (so two activity
 * threads of one worker take turns) plus an exclusive {@link FileChannel} lock on the sibling
 * {@code <databasesFile>.lock} (so two workers or processes on PgBouncer's host do too; the OS
 * releases it when a holder dies). Reentrant within a thread: the switch activity holds it around
 * its own bookkeeping and {@link PgBouncerSwitch#switchTo} takes it again inside.
 *
 * <p>The wait polls, asking the {@link SwitchAttempt} between polls whether it is still current,
 * so an attempt Temporal gave up on stops waiting instead of switching after the retry did.
 */
public final class SwitchLock implements AutoCloseable {
  static final String SUFFIX = ".lock";
  private static final long POLL_MILLIS = 200;
  private static final ConcurrentHashMap<Path, Holder> HOLDERS = new ConcurrentHashMap<>();

  /** One file's in-JVM lock and, while some thread holds it, the OS lock. */
  private static final class Holder {
    final ReentrantLock jvm = new ReentrantLock();
    FileChannel channel;
    FileLock osLock;
  }

  private final Holder holder;
  private boolean closed;

  private SwitchLock(Holder holder) {
    this.holder = holder;
  }

  static Path lockFileOf(Path databasesFile) {
    return databasesFile.resolveSibling(databasesFile.getFileName() + SUFFIX);
  }

  /**
   * Waits until this thread holds the lock of {@code databasesFile}.
   *
   * @throws RuntimeException whatever {@code attempt} throws while waiting; {@link PgBouncerFailures#ERROR} on an interrupt
   * @throws IOException the lock file cannot be created or locked
   */
  static SwitchLock acquire(Path databasesFile, SwitchAttempt attempt) throws IOException {
    Path lockFile = lockFileOf(key(databasesFile));
    Holder h = HOLDERS.computeIfAbsent(lockFile, p -> new Holder());
    try {
      while (!h.jvm.tryLock(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        attempt.checkCurrent();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(lockFile);
    }
    if (h.jvm.getHoldCount() > 1) {
      return new SwitchLock(h);
    }
    try {
      FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        FileLock lock;
        while ((lock = tryLock(ch)) == null) {
          attempt.checkCurrent();
          Thread.sleep(POLL_MILLIS);
        }
        h.channel = ch;
        h.osLock = lock;
        return new SwitchLock(h);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ch.close();
        throw interrupted(lockFile);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      h.jvm.unlock();
      throw e;
    }
  }

  /** The databases file as the OS names it, so two spellings of one file share a lock. */
  private static Path key(Path databasesFile) {
    Path abs = databasesFile.toAbsolutePath().normalize();
    try {
      return abs.toRealPath();
    } catch (IOException missing) {
      return abs; // the switch reports the missing file itself
    }
  }

  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (OverlappingFileLockException heldInThisJvm) {
      return null; // the same lock file reached through another path: held by another thread here
    }
  }

  private static RuntimeException interrupted(Path lockFile) {
    return PgBouncerFailures.retryable(PgBouncerFailures.ERROR, "interrupted while waiting for " + lockFile
        + " (another switch of the same databases file holds it; worker shutting down?)");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (holder.jvm.getHoldCount() == 1 && holder.channel != null) {
        try {
          holder.osLock.release();
        } catch (IOException ignored) {
          // closing the channel below releases it as well
        }
        try {
          holder.channel.close();
        } catch (IOException ignored) {
          // the lock goes with the descriptor
        }
        holder.channel = null;
        holder.osLock = null;
      }
    } finally {
      holder.jvm.unlock();
    }
  }
}
