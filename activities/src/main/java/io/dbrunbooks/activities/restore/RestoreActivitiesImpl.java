package io.dbrunbooks.activities.restore;

import static io.dbrunbooks.activities.restore.RestoreFailures.nonRetryable;
import static io.dbrunbooks.activities.restore.RestoreFailures.retryable;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalArchiveException;
import io.dbrunbooks.activities.wal.WalArchiveInfo;
import io.dbrunbooks.workflows.restore.ChecksRequest;
import io.dbrunbooks.workflows.restore.PlanRequest;
import io.dbrunbooks.workflows.restore.ProvisionRequest;
import io.dbrunbooks.workflows.restore.RecoverRequest;
import io.dbrunbooks.workflows.restore.RecoveredPoint;
import io.dbrunbooks.workflows.restore.RestoreActivities;
import io.dbrunbooks.workflows.restore.RestoreChecks;
import io.dbrunbooks.workflows.restore.RestoreDataRequest;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import io.dbrunbooks.workflows.restore.RestoreMode;
import io.dbrunbooks.workflows.restore.RestorePlan;
import io.dbrunbooks.workflows.restore.RestoredData;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The point-in-time restore runbook for self-hosted PostgreSQL, on the worker's host: plans from
 * the evidence registry and the WAL archive, unpacks the base backup into a directory under the
 * target's {@code restore.directory}, recovers with the project's WAL fetch as {@code
 * restore_command}, and checks the result with pg_amcheck, row counts and smoke queries.
 *
 * <p>The restored server runs as the worker's user, or as {@code postgres} when the worker is root;
 * that user runs the {@code restore_command}, so it must be able to read the Java runtime and class
 * path, the targets file, the keyring and any password file it names. Each restore checks this
 * before starting the server.
 */
public class RestoreActivitiesImpl implements RestoreActivities {
  /** Environment variable that replaces the program part of {@code restore_command}; see {@link RecoverySettings}. */
  public static final String WAL_FETCH_ENV = RecoverySettings.WAL_FETCH_ENV;

  private final TargetsConfig config;
  private final Function<String, BackupStore> storeFor;
  private final Function<String, EvidenceRegistry> registryFor;
  private final Function<String, KeySource> keysFor;
  private final PgTools tools;
  private final String walFetchProgram;

  public RestoreActivitiesImpl(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, EvidenceRegistry> registryFor, Function<String, KeySource> keysFor) {
    this(config, storeFor, registryFor, keysFor, PgTools.locate(), System.getenv(RecoverySettings.WAL_FETCH_ENV));
  }

  /**
   * @param walFetchProgram what {@code restore_command} runs before {@code --targets F --target T %f %p}; null for
   *     this JVM's java with its class path and {@code io.dbrunbooks.activities.wal.WalFetchMain}
   */
  public RestoreActivitiesImpl(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, EvidenceRegistry> registryFor, Function<String, KeySource> keysFor, PgTools tools,
      String walFetchProgram) {
    this.config = config;
    this.storeFor = storeFor;
    this.registryFor = registryFor;
    this.keysFor = keysFor;
    this.tools = tools;
    this.walFetchProgram = walFetchProgram;
  }

  @Override
  public RestorePlan plan(PlanRequest request) {
    TargetConfig t = target(request.target());
    // Hashing the stored artifact reads it whole and moves no bytes we count: heartbeats only.
    try (ActivityProgress progress = ActivityProgress.heartbeatsOnly(Activity.getExecutionContext()).keepAlive(() -> {})) {
      progress.stopWatchdog();
      // Backups it passed over are in the plan, and the workflow logs and audits them.
      return new RestorePlanner(t.name(), registryFor.apply(t.name()), storeFor.apply(t.name()), keys(t)).plan(request);
    } catch (WalArchiveException e) {
      // A damaged object or an archive of another cluster: the same bytes next time.
      throw nonRetryable(RestoreFailures.PLAN_REFUSED, "planning the restore of '" + t.name() + "': " + e.getMessage()
          + "; check the archive with: runbooks wal verify --target " + t.name() + " --deep");
    } catch (IOException e) {
      throw retryable(RestoreFailures.STORE_ERROR, "planning the restore of '" + t.name() + "' could not read the"
          + " evidence registry, store or WAL archive: " + e);
    }
  }

  @Override
  public RestoreEnvironment provision(ProvisionRequest request) {
    TargetConfig t = target(request.target());
    try {
      return RestoreDirectory.of(t, request.restoreId()).provision(t, request.neededBytes());
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "cannot provision restore " + request.restoreId() + " of '" + t.name()
          + "' under " + t.restore().directory() + ": " + e);
    }
  }

  @Override
  public RestoredData restoreBaseBackup(RestoreDataRequest request) {
    TargetConfig t = target(request.target());
    RestoreEnvironment env = request.environment();
    RestoreDirectory dir = owned(t, env.restoreId());
    PgTools.CurrentChild child = new PgTools.CurrentChild();
    try (ActivityProgress progress = new ActivityProgress(Activity.getExecutionContext(), "restore of backup "
        + request.plan().backupId(), ActivityProgress.STALL_LIMIT, ActivityProgress.FIRST_BYTE_GRACE).keepAlive(child::killNow)) {
      // Retention must not expire the backup or the WAL this restore is about to read.
      new RestoreHolds(storeFor.apply(t.name()), t.name()).hold(env.restoreId(), request.plan().backupId(),
          request.plan().backupStartLsn());
      // A retry starts over: whatever an earlier attempt unpacked (or started) is this restore's own.
      new RestoredServer(tools, dir, env.port()).stopIfRunning();
      deleteTree(dir.data());
      Files.createDirectory(dir.data(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      PgTools.handToServerUser(dir.dir());
      BaseBackupUnpacker.Result r = new BaseBackupUnpacker(tools, storeFor.apply(t.name()), keys(t))
          .unpack(request.plan().artifact(), dir.data(), progress, child);
      // Read-ahead WAL lands here; it goes with the restore's directory at teardown.
      Path spool = Files.createDirectories(dir.dir().resolve("wal-prefetch"));
      String restoreCommand = RecoverySettings.restoreCommand(RecoverySettings.fetchProgram(walFetchProgram),
          config.source(), t.name(), spool);
      RecoverySettings.write(dir.data(), env, dir.socketDir(), restoreCommand, request.plan().recoveryTarget());
      PgTools.handToServerUser(dir.dir());
      List<String> checks = new ArrayList<>(r.checks());
      checks.add(probeRestoreCommand(dir, restoreCommand));
      return new RestoredData(r.storedBytes(), r.sourceBytes(), r.entries(), restoreCommand, checks);
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "restoring backup " + request.plan().backupId() + " into "
          + dir.data() + " failed: " + e);
    }
  }

  /**
   * Runs the restore_command once as the server will, for a history file no archive has (timeline
   * 1 never has one): "not in the archive" proves the command starts, loads the targets file and
   * reaches the archive; anything else would only show up as a confusing end of recovery.
   */
  private String probeRestoreCommand(RestoreDirectory dir, String restoreCommand) throws IOException {
    Path dest = dir.dir().resolve("restore-command-probe");
    String cmd = restoreCommand.replace(" %f %p", " 00000001.history " + RecoverySettings.shellQuote(dest.toString()))
        .replace("%%", "%");
    ProcessBuilder pb = new ProcessBuilder(PgTools.asServerUser(List.of("sh", "-c", cmd))).directory(dir.data().toFile());
    PgTools.Running p = tools.start(pb);
    p.stdin().close();
    p.process().getInputStream().readAllBytes();
    int exit = p.waitFor();
    String err = p.stderr().text().strip();
    Files.deleteIfExists(dest);
    if (exit == 0 || exit == 1 && err.isEmpty()) {
      return "restore_command runs as the server's user and reaches the WAL archive";
    }
    throw nonRetryable(RestoreFailures.WAL_FETCH_BROKEN, "the restore_command does not work as the server's user"
        + (PgTools.runningAsRoot() ? " (" + PgTools.SERVER_USER + ")" : "") + " (exit " + exit + "): " + err
        + "; that user must be able to read the Java runtime and class path, the targets file " + config.source()
        + " and the target's keyring and password files, or set " + RecoverySettings.WAL_FETCH_ENV
        + " to a WAL fetch program it can run");
  }

  @Override
  public RecoveredPoint recover(RecoverRequest request) {
    TargetConfig t = target(request.target());
    RestoreEnvironment env = request.environment();
    RestoreDirectory dir = owned(t, env.restoreId());
    RestoredServer server = new RestoredServer(tools, dir, env.port());
    PgTools.CurrentChild child = new PgTools.CurrentChild();
    try (ActivityProgress progress = new ActivityProgress(Activity.getExecutionContext(), "WAL replay of restore "
        + env.restoreId(), ActivityProgress.STALL_LIMIT, ActivityProgress.FIRST_BYTE_GRACE).keepAlive(child::killNow)) {
      // After a worker crash the server is still replaying: keep waiting on it rather than start over.
      if (!server.running()) {
        server.start();
      }
      int segmentSize = new WalArchive(storeFor.apply(t.name()), keys(t), t.name()).info()
          .map(WalArchiveInfo::segmentSize).orElse(16 << 20);
      RecoveredPoint recovered = new Recovery(server, t.connection().user(), t.connection().database(),
          Lsn.parse(request.plan().backupStartLsn()), segmentSize).await(progress, child);
      // Promoted: the recovery settings have done their work. Left in place, a base backup of this
      // copy (once it serves as the target) would carry them into the next restore.
      RecoverySettings.clear(dir.data());
      if (request.mode() == RestoreMode.PROMOTE) {
        prepareForTheArchiver(t, dir, server, child);
      }
      // Recovered: the copy needs neither the backup nor the archive any more.
      new RestoreHolds(storeFor.apply(t.name()), t.name()).release(env.restoreId());
      return recovered;
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "recovery of restore " + env.restoreId() + " failed: " + e
          + "\nserver log:\n" + server.logTail(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw retryable(RestoreFailures.RESTORE_FAILED, "interrupted while waiting for recovery");
    }
  }

  /**
   * A promote restore may become the target, and then the WAL archiver and backups stream from it
   * over replication connections as the target's role. Two things are readied right after the
   * promotion: the archiver's slot, which keeps green from recycling the WAL of its new timeline
   * until the archiver follows (after the bake), and a {@code pg_hba.conf} rule for that role's
   * replication connections over 127.0.0.1 ({@code all} never matches replication). Idempotent.
   * A slot that cannot be made (no REPLICATION, no free slot) is refused: retrying will not help.
   */
  private static void prepareForTheArchiver(TargetConfig t, RestoreDirectory dir, RestoredServer server,
      PgTools.CurrentChild child) throws IOException {
    String slot = t.walArchive().slotFor(t.name());
    if (!slot.matches("[a-z0-9_]{1,63}")) {
      throw nonRetryable(RestoreFailures.RESTORE_FAILED, "the WAL archiver's slot name '" + slot
          + "' is not a valid replication slot name ([a-z0-9_], at most 63 characters)");
    }
    String user = t.connection().user();
    Path hba = dir.data().resolve("pg_hba.conf");
    String rule = "host replication \"" + user.replace("\"", "\"\"") + "\" 127.0.0.1/32 scram-sha-256";
    if (!Files.readAllLines(hba).contains(rule)) {
      Files.writeString(hba, "# the target's role streams WAL and takes backups from this copy once it is promoted\n"
          + rule + "\n", StandardOpenOption.APPEND);
    }
    server.reload(); // also after a retry that appended the rule and died before reloading
    PgTools.Result r = server.psql(user, t.connection().database(),
        "SELECT pg_create_physical_replication_slot('" + slot + "', true) WHERE NOT EXISTS"
            + " (SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "')", child::track);
    if (r.exitCode() != 0) {
      throw nonRetryable(RestoreFailures.RESTORE_FAILED, "cannot ready the restored cluster for the WAL archiver as " + user
          + ": reserving replication slot " + slot + " failed (the role needs REPLICATION and the server a free"
          + " max_replication_slots): " + r.stderr().strip());
    }
  }

  @Override
  public RestoreChecks check(ChecksRequest request) {
    TargetConfig t = target(request.target());
    RestoreEnvironment env = request.environment();
    RestoredServer server = new RestoredServer(tools, owned(t, env.restoreId()), env.port());
    PgTools.CurrentChild child = new PgTools.CurrentChild();
    try (ActivityProgress progress = ActivityProgress.heartbeatsOnly(Activity.getExecutionContext()).keepAlive(child::killNow)) {
      progress.stopWatchdog();
      PgTools.Result su = server.psql(t.connection().user(), t.connection().database(),
          "SELECT rolname FROM pg_roles WHERE oid = 10", child::track);
      if (su.exitCode() != 0) {
        throw new IOException("cannot connect to the restored cluster as " + t.connection().user() + ": " + su.stderr().strip());
      }
      RestoreChecks checks = new RestoreChecker(tools, server, su.stdout().strip(), child)
          .run(request.smokeQueries(), t.connection().database());
      progress.checkCancelled();
      return checks;
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "checking restore " + env.restoreId() + " failed: " + e);
    }
  }

  @Override
  public List<String> teardown(TeardownRequest request) {
    TargetConfig t = target(request.target());
    RestoreDirectory dir = RestoreDirectory.of(t, request.restoreId());
    try {
      new RestoreHolds(storeFor.apply(t.name()), t.name()).release(request.restoreId());
      if (!dir.isOurs()) {
        return List.of();
      }
      if (dir.isServing()) {
        throw nonRetryable(RestoreFailures.SERVING_TRAFFIC, "restore " + request.restoreId() + " of '" + t.name()
            + "' may be serving the application's traffic through PgBouncer (" + dir.servingDescription() + "); it is"
            + " left running. Switch the alias back first (rollback), or, if PgBouncer no longer points at it, remove "
            + dir.dir().resolve(RestoreDirectory.SERVING) + " and tear down again");
      }
      new RestoredServer(tools, dir, dir.environment().port()).stopIfRunning();
      return dir.remove();
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "tearing down restore " + request.restoreId() + " at " + dir.dir()
          + " failed: " + e);
    }
  }

  private RestoreDirectory owned(TargetConfig t, String restoreId) {
    RestoreDirectory dir = RestoreDirectory.of(t, restoreId);
    try {
      if (!dir.isOurs()) {
        throw nonRetryable(RestoreFailures.RESTORE_FAILED, "restore " + restoreId + " has no directory at " + dir.dir()
            + " (provision it first; it may have been torn down)");
      }
    } catch (IOException e) {
      throw retryable(RestoreFailures.RESTORE_FAILED, "cannot read " + dir.dir() + ": " + e);
    }
    return dir;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private TargetConfig target(String name) {
    try {
      return config.target(name);
    } catch (UnknownTargetException e) {
      throw nonRetryable(RestoreFailures.UNKNOWN_TARGET, e.getMessage());
    }
  }

  /** The target's key source; a keyring that vanished or broke is not worth retrying. */
  private KeySource keys(TargetConfig t) {
    try {
      return keysFor.apply(t.name());
    } catch (UncheckedIOException e) {
      throw nonRetryable(RestoreFailures.KEY_UNAVAILABLE, "key source of target '" + t.name() + "' is unavailable: "
          + e.getCause().getMessage());
    }
  }
}
