package io.dbrunbooks.activities.postgres;

import static io.dbrunbooks.activities.postgres.PgFailures.nonRetryable;
import static io.dbrunbooks.activities.postgres.PgFailures.retryable;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.DeleteArtifactsRequest;
import io.dbrunbooks.workflows.backup.PrecheckReport;
import io.dbrunbooks.workflows.backup.PrecheckRequest;
import io.dbrunbooks.workflows.backup.TakeBackupRequest;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.dbrunbooks.workflows.backup.VerifyRequest;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The backup runbook for self-hosted PostgreSQL: JDBC for the precheck, {@code pg_basebackup} and
 * {@code pg_dump} for the backup, {@code pg_verifybackup} and {@code pg_restore} for verification.
 * Taking and verifying live in {@link ArtifactWriter} and {@link ArtifactVerifier}.
 */
public class PostgresBackupActivities implements BackupActivities {
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final TargetsConfig config;
  private final Function<String, BackupStore> storeFor;
  private final Function<String, KeySource> keysFor;
  private final PgTools tools;
  private final ScratchSpace scratch;
  private Function<String, TargetConfig> serving;
  private java.time.Duration stallLimit = io.dbrunbooks.activities.progress.ActivityProgress.STALL_LIMIT;
  private java.time.Duration firstByteGrace = io.dbrunbooks.activities.progress.ActivityProgress.FIRST_BYTE_GRACE;

  public PostgresBackupActivities(TargetsConfig config, Function<String, BackupStore> storeFor, Function<String, KeySource> keysFor) {
    this(config, storeFor, keysFor, PgTools.locate());
  }

  public PostgresBackupActivities(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, KeySource> keysFor, PgTools tools) {
    this(config, storeFor, keysFor, tools, ScratchSpace.fromEnvironment());
  }

  /** @param scratch where verification extracts physical backups ({@link ScratchSpace#fromEnvironment()} by default) */
  public PostgresBackupActivities(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, KeySource> keysFor, PgTools tools, ScratchSpace scratch) {
    this.config = config;
    this.serving = config::target;
    this.storeFor = storeFor;
    this.keysFor = keysFor;
    this.tools = tools;
    this.scratch = scratch;
  }

  /**
   * The take's stall watchdog: no byte for {@code stallLimit} (or {@code firstByteGrace} before the
   * first byte) kills the tool and fails the attempt retryably as BackupStalled. Defaults 10 and 30
   * minutes. Call before registering the activities.
   */
  public PostgresBackupActivities withStallLimits(java.time.Duration stallLimit, java.time.Duration firstByteGrace) {
    this.stallLimit = stallLimit;
    this.firstByteGrace = firstByteGrace;
    return this;
  }

  /**
   * How the target's connection is found (default: as the targets file says). The worker passes
   * {@code Promotions.resolver}, so after a promote restore this reaches the promoted server.
   */
  public PostgresBackupActivities withServing(Function<String, TargetConfig> serving) {
    this.serving = serving;
    return this;
  }

  @Override
  public PrecheckReport precheck(PrecheckRequest request) {
    TargetConfig t = target(request.target());
    PostgresConnection c = t.connection();
    String server = c.host() + ":" + c.port();
    try (Connection db = connect(t)) {
      String version;
      int versionNum;
      String systemId;
      boolean inRecovery;
      long size;
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT current_setting('server_version'), current_setting('server_version_num')::int,"
              + " (SELECT system_identifier::text FROM pg_control_system()), pg_is_in_recovery(),"
              + (request.method() == BackupMethod.LOGICAL
                  ? " pg_database_size(current_database())"
                  : " (SELECT sum(pg_database_size(oid))::bigint FROM pg_database)"))) {
        rs.next();
        version = rs.getString(1);
        versionNum = rs.getInt(2);
        systemId = rs.getString(3);
        inRecovery = rs.getBoolean(4);
        size = rs.getLong(5);
      }
      if (request.method() != BackupMethod.LOGICAL) {
        requireReplication(t, db);
      }
      ReplicationLag.Observation lag = ReplicationLag.read(db, inRecovery, t.name(), t.walArchive().slotFor(t.name()),
          t.maxReplicationLagSeconds());
      String refusal = ReplicationLag.refusal(t.name(), server, lag, t.maxReplicationLagSeconds());
      if (refusal != null) {
        throw nonRetryable(PgFailures.LAG_TOO_HIGH, refusal);
      }
      BackupStore store = storeFor.apply(t.name());
      // Free space (next) says nothing about permissions or a read-only mount: try a write, keep nothing.
      storeCall(store, "accept a write", () -> {
        store.probeWrite(t.name() + "/precheck-write-probe");
        return null;
      });
      long free = storeCall(store, "check free space", store::freeBytes);
      if (free >= 0 && free < size) {
        throw nonRetryable(PgFailures.INSUFFICIENT_SPACE, "target '" + t.name() + "': the backup store " + store.uri()
            + " has " + free + " bytes free, less than the " + size + " bytes to back up (before compression);"
            + " free space there or point the target at a larger store");
      }
      if (request.method() == BackupMethod.PHYSICAL) {
        requireScratchSpace(t, size);
      }
      return new PrecheckReport(t.name(), version, versionNum, systemId, lag.role(), lag.lagSeconds(),
          t.maxReplicationLagSeconds(), lag.standbys(), lag.receivers(), lag.notes(), size, free, Instant.now().toString(),
          t.retention() != null);
    } catch (SQLException e) {
      throw retryable(PgFailures.DATABASE_ERROR, "precheck of target '" + t.name() + "' at " + server + " failed (SQLSTATE "
          + e.getSQLState() + "): " + e.getMessage());
    }
  }

  /** Verification extracts the whole physical backup into the scratch directory: refuse now if it cannot fit. */
  private void requireScratchSpace(TargetConfig t, long clusterBytes) {
    long free;
    try {
      free = scratch.freeBytes();
    } catch (IOException e) {
      throw nonRetryable(PgFailures.INSUFFICIENT_SPACE, "target '" + t.name() + "': the scratch directory " + scratch
          + " where verification extracts physical backups is unusable (" + e + "); " + scratch.guidance());
    }
    long needed = ScratchSpace.neededFor(clusterBytes);
    if (free < needed) {
      throw nonRetryable(PgFailures.INSUFFICIENT_SPACE, "target '" + t.name() + "': the scratch directory " + scratch
          + " has " + free + " bytes free, verification needs about " + needed + " bytes there to extract the "
          + clusterBytes + "-byte cluster with its WAL; " + scratch.guidance());
    }
  }

  /**
   * pg_basebackup needs a walsender and a role allowed to use it, and streaming one tar to stdout
   * works only for a cluster without extra tablespaces: say so before the take fails (and before
   * its retries ask the primary for four fast checkpoints in a row).
   */
  private static void requireReplication(TargetConfig t, Connection db) throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT spcname FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1")) {
      List<String> extra = new ArrayList<>();
      while (rs.next()) {
        extra.add(rs.getString(1));
      }
      if (!extra.isEmpty()) {
        throw nonRetryable(PgFailures.UNSUPPORTED_LAYOUT, "target '" + t.name() + "' has tablespaces " + String.join(", ", extra)
            + "; physical backups of clusters with tablespaces are not supported yet (take a logical backup instead)");
      }
    }
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT rolsuper OR rolreplication, current_setting('max_wal_senders')::int"
            + " FROM pg_roles WHERE rolname = current_user")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        throw nonRetryable(PgFailures.INSUFFICIENT_PRIVILEGE, "target '" + t.name() + "': " + PgFailures.describe(t.connection())
            + " lacks the REPLICATION attribute a physical backup needs (ALTER ROLE ... REPLICATION)");
      }
      if (rs.getInt(2) < 1) {
        throw nonRetryable(PgFailures.INSUFFICIENT_PRIVILEGE, "target '" + t.name() + "': max_wal_senders is 0 on "
            + t.connection().host() + ":" + t.connection().port() + "; a physical backup needs at least one WAL sender");
      }
    }
  }

  @Override
  public BackupArtifact takeBackup(TakeBackupRequest request) {
    TargetConfig t = target(request.target());
    String prefix = prefix(t.name(), request.backupId());
    return new ArtifactWriter(tools, t, storeFor.apply(t.name()), keys(t), password(t), stallLimit, firstByteGrace)
        .write(request.backupId(), request.method(), prefix + fileName(request.method()));
  }

  @Override
  public VerificationReport verifyBackup(VerifyRequest request) {
    TargetConfig t = target(request.target());
    BackupArtifact a = request.artifact();
    String key = prefix(t.name(), a.backupId()) + fileName(a.method());
    BackupStore store = storeFor.apply(t.name());
    if (!store.locationOf(key).equals(a.location())) {
      throw nonRetryable(PgFailures.VERIFICATION_FAILED, "artifact " + a.location() + " is not where target '" + t.name()
          + "' keeps backup " + a.backupId() + " (" + store.locationOf(key) + ")");
    }
    return new ArtifactVerifier(tools, store, keys(t), scratch).verify(a, key);
  }

  @Override
  public List<String> deleteArtifacts(DeleteArtifactsRequest request) {
    TargetConfig t = target(request.target());
    BackupStore store = storeFor.apply(t.name());
    return storeCall(store, "delete backup " + request.backupId(), () -> store.deletePrefix(prefix(t.name(), request.backupId())));
  }

  static String fileName(BackupMethod method) {
    return method == BackupMethod.LOGICAL ? "dump.pgdump.zst.aes" : "base.tar.zst.aes";
  }

  private static String prefix(String target, String backupId) {
    if (backupId == null || !SAFE_ID.matcher(backupId).matches()) {
      throw nonRetryable(PgFailures.INVALID_REQUEST, "invalid backup id '" + backupId
          + "': letters, digits, '.', '_' and '-' only, starting with a letter or digit");
    }
    return target + "/" + backupId + "/";
  }

  private TargetConfig target(String name) {
    return PgFailures.target(serving, name);
  }

  private static String password(TargetConfig t) {
    try {
      return t.connection().password() == null ? null : t.connection().password().resolve();
    } catch (IOException e) {
      throw nonRetryable(PgFailures.SECRET_UNAVAILABLE, "target '" + t.name() + "': cannot read the password of user '"
          + t.connection().user() + "' from " + t.connection().password() + ": " + e.getMessage());
    }
  }

  /** A JDBC session on the target as its configured user; failures classified as {@link PgFailures#connectFailed}. */
  public static Connection connect(TargetConfig t) {
    PostgresConnection c = t.connection();
    Properties p = new Properties();
    p.setProperty("user", c.user());
    String pw = password(t);
    if (pw != null) {
      p.setProperty("password", pw);
    }
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "120");
    p.setProperty("ApplicationName", "db-runbooks");
    p.setProperty("sslmode", c.sslmode() == null ? "prefer" : c.sslmode());
    try {
      return DriverManager.getConnection("jdbc:postgresql://" + c.host() + ":" + c.port() + "/" + c.database(), p);
    } catch (SQLException e) {
      throw PgFailures.connectFailed(t.name(), c, e);
    }
  }

  interface StoreCall<T> {
    T call() throws IOException;
  }

  static <T> T storeCall(BackupStore store, String what, StoreCall<T> call) {
    try {
      return call.call();
    } catch (java.nio.file.AccessDeniedException e) {
      throw nonRetryable(PgFailures.STORE_UNWRITABLE, "backup store " + store.uri() + " refused to " + what + ": permission denied on "
          + e.getFile());
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).contains("Read-only file system")) {
        throw nonRetryable(PgFailures.STORE_UNWRITABLE, "backup store " + store.uri() + " refused to " + what
            + ": its file system is mounted read-only");
      }
      throw retryable(PgFailures.STORE_ERROR, "backup store " + store.uri() + " failed to " + what + ": " + e);
    }
  }

  /** The target's key source; a keyring that vanished or broke since start-up is not worth retrying. */
  private KeySource keys(TargetConfig t) {
    try {
      return keysFor.apply(t.name());
    } catch (java.io.UncheckedIOException e) {
      throw keyFailure("key source of target '" + t.name() + "' is unavailable", e.getCause());
    }
  }

  static ApplicationFailure keyFailure(String what, IOException e) {
    return nonRetryable(PgFailures.KEY_UNAVAILABLE, what + ": " + e.getMessage());
  }
}
