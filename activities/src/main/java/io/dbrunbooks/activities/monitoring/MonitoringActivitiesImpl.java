package io.dbrunbooks.activities.monitoring;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.workflows.monitoring.AlertChanges;
import io.dbrunbooks.workflows.monitoring.AlertUpdate;
import io.dbrunbooks.workflows.monitoring.FreshnessObservation;
import io.dbrunbooks.workflows.monitoring.FreshnessRequest;
import io.dbrunbooks.workflows.monitoring.MonitoringActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The freshness check's activities over the target's own store and registry. The clock is a
 * parameter so that tests can let hours pass without waiting for them.
 */
public class MonitoringActivitiesImpl implements MonitoringActivities {
  /**
   * How long a silent archiver slot is given before the archiver counts as down: the archiver
   * reconnects between its calls in milliseconds, and a lost worker's call is picked up by another
   * after its 20 s heartbeat timeout.
   */
  public static final Duration ARCHIVER_GRACE = Duration.ofSeconds(25);

  private final TargetsConfig config;
  private final Function<String, BackupStore> storeFor;
  private final Function<String, EvidenceRegistry> evidenceFor;
  private final Clock clock;
  private Duration archiverGrace = ARCHIVER_GRACE;

  public MonitoringActivitiesImpl(TargetsConfig config, Function<String, BackupStore> storeFor,
      Function<String, EvidenceRegistry> evidenceFor, Clock clock) {
    this.config = config;
    this.storeFor = storeFor;
    this.evidenceFor = evidenceFor;
    this.clock = clock;
  }

  /** A shorter grace for the archiver's slot (tests). Call before registering. */
  public MonitoringActivitiesImpl withArchiverGrace(Duration grace) {
    this.archiverGrace = grace;
    return this;
  }

  @Override
  public FreshnessObservation observe(FreshnessRequest request) {
    TargetConfig t = target(request.target());
    try {
      return new FreshnessObserver(t, storeFor.apply(t.name()), evidenceFor.apply(t.name()), clock)
          .observe(archiverGrace, () -> Activity.getExecutionContext().heartbeat(null));
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("the alert book of " + t.name() + " could not be read: " + e, "AlertBookUnreadable");
    }
  }

  @Override
  public AlertChanges update(AlertUpdate u) {
    TargetConfig t = target(u.target());
    AlertBook book = new AlertBook(storeFor.apply(t.name()), t.name());
    try {
      AlertBook.State now = book.read();
      if (now.lastChange() != null && u.checkRun().equals(now.lastChange().checkRun())) {
        return AlertBookUpdate.changes(now); // a retry: the first attempt wrote this change
      }
      Optional<AlertBook.State> next = AlertBookUpdate.apply(now, u);
      if (next.isEmpty()) {
        return new AlertChanges(null, null, now.open());
      }
      book.write(next.get());
      return AlertBookUpdate.changes(next.get());
    } catch (FileAlreadyExistsException e) {
      throw ApplicationFailure.newFailure("the alert book of " + t.name() + " at " + book.location()
          + " was changed by another writer meanwhile; is a second freshness check of " + t.name()
          + " running under another workflow id? retrying", "AlertBookConflict");
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("the alert book of " + t.name() + " at " + book.location() + " could not be updated: "
          + e, "AlertBookUnwritable");
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
