package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.TakeBackupRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stall watchdog: a tool that stops producing bytes (a network blackhole, a blocked store) is
 * killed and the attempt fails retryably as BackupStalled, instead of being kept alive by the
 * background heartbeat until the activity's day-long timeout.
 */
class StallWatchdogTest {
  @TempDir Path tmp;
  TestActivityEnvironment env;

  @BeforeEach
  void setUp() {
    env = TestActivityEnvironment.newInstance();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @ActivityInterface
  public interface CopyActivity {
    long copy(String script, String pidFile);
  }

  /** Runs {@code sh -c script} through ArtifactWriter's copy loop with a 1 s stall limit and a 2 s first-byte grace. */
  public static class CopyActivityImpl implements CopyActivity {
    @Override
    public long copy(String script, String pidFile) {
      try (ActivityProgress progress = new ActivityProgress(Activity.getExecutionContext(), Duration.ofMillis(200),
          Duration.ofMinutes(1), System::nanoTime, "test copy", Duration.ofSeconds(1), Duration.ofSeconds(2))) {
        PgTools.Running run = new PgTools(null).start(new ProcessBuilder("sh", "-c", script, pidFile));
        run.stdin().close();
        progress.keepAlive(run::kill);
        ArtifactWriter.copy(run.stdout(), OutputStream.nullOutputStream(), progress);
        run.waitFor();
        progress.checkCancelled();
        return progress.bytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  CopyActivity copyStub() {
    env.registerActivitiesImplementations(new CopyActivityImpl());
    return env.newActivityStub(CopyActivity.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  static ApplicationFailure stalled(org.junit.jupiter.api.function.Executable call) {
    ActivityFailure e = assertThrows(ActivityFailure.class, call);
    ApplicationFailure f = (ApplicationFailure) e.getCause();
    assertEquals(ActivityProgress.STALLED, f.getType(), f.getOriginalMessage());
    assertFalse(f.isNonRetryable(), "a stall may clear on retry");
    return f;
  }

  static void assertDead(Path pidFile) throws Exception {
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    for (int i = 0; i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
      Thread.sleep(100);
    }
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " was killed");
  }

  @Test
  void aToolThatStopsProducingBytesIsKilledAndTheAttemptFailsAsStalled() throws Exception {
    Path pidFile = tmp.resolve("sleep.pid");
    long started = System.nanoTime();
    // The sleep is a child of sh and holds the stdout pipe: only killing descendants ends the copy.
    ApplicationFailure f = stalled(() -> copyStub().copy("head -c 1000 /dev/zero; sleep 60 & echo $! > \"$0\"; wait", pidFile.toString()));
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(20).toNanos(), "stopped well before the sleep ended");
    String m = f.getOriginalMessage();
    assertTrue(m.contains("test copy stalled") && m.contains("1000 bytes so far") && m.contains("nothing moved for"), m);
    assertDead(pidFile);
  }

  @Test
  void noFirstByteWithinTheGraceIsAStallToo() throws Exception {
    Path pidFile = tmp.resolve("sleep.pid");
    ApplicationFailure f = stalled(() -> copyStub().copy("echo $$ > \"$0\"; exec sleep 60", pidFile.toString()));
    assertTrue(f.getOriginalMessage().contains("0 bytes so far") && f.getOriginalMessage().contains("no first byte"),
        f.getOriginalMessage());
    assertDead(pidFile);
  }

  @Test
  void aBytesMovingCopyIsNotAStall() {
    // Three seconds of output, a little every 0.1 s: longer than the limit, never idle near it.
    assertEquals(30_000, copyStub().copy("for i in $(seq 30); do head -c 1000 /dev/zero; sleep 0.1; done",
        tmp.resolve("unused").toString()));
  }

  @Test
  void aStalledTakeKillsTheToolFailsRetryablyAndLeavesNothingInTheStore() throws Exception {
    // A pg_dump that sends some bytes, then hangs like a connection into a blackhole.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path pidFile = tmp.resolve("pg_dump.pid");
    Path tool = bin.resolve("pg_dump");
    Files.writeString(tool, "#!/bin/sh\n"
        + "if [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 15.0'; exit 0; fi\n"
        + "echo $$ > '" + pidFile + "'\n"
        + "head -c 1000 /dev/urandom\n"
        + "exec sleep 60\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path storeRoot = tmp.resolve("store");
    TargetConfig t = new TargetConfig("blackhole", "postgres",
        new PostgresConnection("127.0.0.1", 5432, "orders", "postgres", null, "disable"),
        new StoreConfig("file:" + storeRoot), null, null, 30, null);
    LocalKeyring keys = LocalKeyring.create(tmp.resolve("keyring.json"));
    FileBackupStore store = new FileBackupStore(storeRoot);
    env.registerActivitiesImplementations(new PostgresBackupActivities(
        new TargetsConfig(tmp.resolve("targets.yaml"), Map.of("blackhole", t)), n -> store, n -> keys, new PgTools(bin))
        .withStallLimits(Duration.ofSeconds(1), Duration.ofSeconds(5)));
    BackupActivities activities = env.newActivityStub(BackupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());

    ApplicationFailure f = stalled(() -> activities.takeBackup(new TakeBackupRequest("blackhole", "stall-1", BackupMethod.LOGICAL)));
    String m = f.getOriginalMessage();
    assertTrue(m.contains("pg_dump of target 'blackhole'") && m.contains("1000 bytes so far"), m);
    assertDead(pidFile);
    try (Stream<Path> s = Files.walk(storeRoot)) {
      assertEquals(List.of(), s.filter(Files::isRegularFile).toList(), "no artifact and no partial");
    }
  }
}
