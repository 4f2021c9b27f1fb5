package io.dbrunbooks.activities.drill;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.RecoveryObjectives;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalVerifier;
import io.dbrunbooks.workflows.drill.ArchiveEndRequest;
import io.dbrunbooks.workflows.drill.BackupCandidate;
import io.dbrunbooks.workflows.drill.DrillActivities;
import io.dbrunbooks.workflows.drill.DrillCandidates;
import io.dbrunbooks.workflows.drill.DrillObjectives;
import io.dbrunbooks.workflows.drill.LossMoment;
import io.dbrunbooks.workflows.drill.LossRequest;
import io.dbrunbooks.workflows.drill.SmokeCommandOutcome;
import io.dbrunbooks.workflows.drill.SmokeCommandRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The restore drill's own steps for self-hosted PostgreSQL: the moment of loss from the source and
 * its WAL archive, the candidates from the evidence registry, the application's smoke command on
 * the worker's host.
 */
public class DrillActivitiesImpl implements DrillActivities {
  private final TargetsConfig config;
  private final Function<String, BackupStore> storeFor;
  private final Function<String, EvidenceRegistry> registryFor;
  private final Function<String, KeySource> keysFor;
  private Function<String, TargetConfig> serving;

  public DrillActivitiesImpl(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, EvidenceRegistry> registryFor, Function<String, KeySource> keysFor) {
    this.config = config;
    this.storeFor = storeFor;
    this.registryFor = registryFor;
    this.keysFor = keysFor;
    this.serving = config::target;
  }

  /** How the target's server is found; the worker passes {@code Promotions.resolver} (a promote restore moves it). */
  public DrillActivitiesImpl withServing(Function<String, TargetConfig> serving) {
    this.serving = serving;
    return this;
  }

  @Override
  public LossMoment markLoss(LossRequest request) {
    TargetConfig t = target(request.target());
    try (Connection c = SourceConnections.open(serving.apply(t.name()).connection()); Statement s = c.createStatement()) {
      int timeline;
      try (ResultSet rs = s.executeQuery("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
        rs.next();
        timeline = rs.getInt(1);
      }
      // The archive first, the source right after: what would have survived a loss at that moment.
      Lsn end = WalVerifier.lastArchived(new WalArchive(storeFor.apply(t.name()), keysFor.apply(t.name()), t.name()).list(),
          timeline);
      String time;
      String lsn;
      try (ResultSet rs = s.executeQuery("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
          + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), pg_current_wal_lsn()")) {
        rs.next();
        time = rs.getString(1);
        lsn = rs.getString(2);
      }
      String marker = null;
      String note = null;
      // A record after the archive's end that is no transaction: recovery to that end stops on it
      // even when the source writes nothing else, and the copy's last commit stays the true one.
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_restore_point(?)")) {
        ps.setString(1, "drill-" + request.drillId());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          marker = rs.getString(1);
        }
      } catch (SQLException e) {
        note = "restore point not written (" + e.getMessage() + "): recovery goes to the archive's end at restore time";
      }
      return new LossMoment(java.time.Instant.parse(time).toString(), lsn, timeline, end == null ? null : end.toString(), marker,
          note);
    } catch (SQLException | IOException e) {
      throw ApplicationFailure.newFailure("cannot read the moment of loss from target '" + t.name() + "': " + e.getMessage(),
          "DrillSourceUnavailable");
    }
  }

  @Override
  public String archivedEnd(ArchiveEndRequest request) {
    TargetConfig t = target(request.target());
    try {
      Lsn end = WalVerifier.lastArchived(new WalArchive(storeFor.apply(t.name()), keysFor.apply(t.name()), t.name()).list(),
          request.timeline());
      return end == null ? null : end.toString();
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("cannot read the WAL archive of '" + t.name() + "': " + e.getMessage(),
          "DrillCatalogUnavailable");
    }
  }

  @Override
  public DrillCandidates candidates(String name) {
    TargetConfig t = target(name);
    RecoveryObjectives o = config.objectivesOf(t.name());
    List<BackupCandidate> backups = new ArrayList<>();
    List<String> passedOver = new ArrayList<>();
    try {
      for (BackupCatalog.Entry e : BackupCatalog.read(registryFor.apply(t.name()), storeFor.apply(t.name()), t.name())) {
        if (e.error() != null) {
          passedOver.add(e.backupId() + ": " + e.error());
        } else if (!e.physical()) {
          continue; // a logical dump cannot start a point-in-time restore: not a candidate, not a defect
        } else if (!e.present()) {
          passedOver.add(e.backupId() + ": its artifact is missing from the store");
        } else {
          backups.add(new BackupCandidate(e.backupId(), e.sealedAt(), e.finishedAt(), e.stopLsn(), e.timeline()));
        }
      }
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("cannot read the backups of '" + t.name() + "': " + e.getMessage(), "DrillCatalogUnavailable");
    }
    return new DrillCandidates(new DrillObjectives(o.environment(), o.rtoSeconds(), o.rpoSeconds(), o.source()), backups,
        passedOver);
  }

  @Override
  public SmokeCommandOutcome runSmokeCommand(SmokeCommandRequest request) {
    TargetConfig t = target(request.target());
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    try {
      return SmokeCommandRunner.run(t, request.environment(), request.command(), () -> ctx.heartbeat(null));
    } catch (IOException e) {
      throw ApplicationFailure.newNonRetryableFailure("the smoke command could not run: " + e.getMessage(), "DrillSmokeCommand");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
  }

  private TargetConfig target(String name) {
    try {
      return config.target(name);
    } catch (UnknownTargetException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "UnknownTarget");
    }
  }
}
