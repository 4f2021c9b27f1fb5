package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.drill.DrillActivitiesImpl;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.monitoring.MonitoringActivitiesImpl;
import io.dbrunbooks.activities.notify.NotifyActivitiesImpl;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.activities.retention.RetentionActivitiesImpl;
import io.dbrunbooks.activities.schedule.RunbookLockActivitiesImpl;
import io.dbrunbooks.activities.switchover.Promotions;
import io.dbrunbooks.activities.switchover.SwitchoverActivitiesImpl;
import io.dbrunbooks.activities.wal.WalArchiveActivitiesImpl;
import io.dbrunbooks.workflows.backup.BackupWorkflowImpl;
import io.dbrunbooks.workflows.drill.RestoreDrillWorkflowImpl;
import io.dbrunbooks.workflows.monitoring.FreshnessCheckWorkflowImpl;
import io.dbrunbooks.workflows.restore.BlueDecommissionWorkflowImpl;
import io.dbrunbooks.workflows.restore.PointInTimeRestoreWorkflowImpl;
import io.dbrunbooks.workflows.retention.RetentionWorkflowImpl;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflowImpl;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflowImpl;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the worker registers: workflow implementation classes and activity implementation
 * objects, built from the targets configuration. The single place that knows the list, so the
 * worker, the demo and the end-to-end tests register the same things.
 */
public record Registrations(List<Class<?>> workflowTypes, List<Object> activities) {

  public Registrations {
    workflowTypes = List.copyOf(workflowTypes);
    activities = List.copyOf(activities);
  }

  /** The registrations for {@code config}: one store, registry and key source per target. */
  public static Registrations forConfig(TargetsConfig config) {
    return forConfig(config, System.getenv());
  }

  /** The same, reading the worker's settings ({@code RUNBOOKS_WAL_FETCH_COMMAND}) from {@code env}. */
  public static Registrations forConfig(TargetsConfig config, Map<String, String> env) {
    RunbookInput.prepare();
    TargetResources resources = new TargetResources(config);
    // Backups, the WAL archiver and the switchover's guardrails reach the server a promote restore moved the target to.
    Function<String, TargetConfig> serving = Promotions.resolver(resources);
    return new Registrations(
        List.of(BackupWorkflowImpl.class, RetentionWorkflowImpl.class, PointInTimeRestoreWorkflowImpl.class,
            WalArchiveWorkflowImpl.class, BlueDecommissionWorkflowImpl.class, RestoreDrillWorkflowImpl.class,
            ScheduledRunWorkflowImpl.class,
            FreshnessCheckWorkflowImpl.class),
        List.of(
            new PostgresBackupActivities(config, resources::store, resources::keys).withServing(serving),
            new EvidenceActivitiesImpl(config, resources::evidence, resources::keys),
            new NotifyActivitiesImpl(config),
            new RetentionActivitiesImpl(config, resources::store, resources::evidence, resources::keys, Clock.systemUTC()),
            new RestoreActivitiesImpl(config, resources::store, resources::evidence, resources::keys, PgTools.locate(),
                env.get(RestoreActivitiesImpl.WAL_FETCH_ENV)),
            new SwitchoverActivitiesImpl(config, PgTools.locate()).withServing(serving),
            new WalArchiveActivitiesImpl(config, resources::store, resources::keys).withServing(serving),
            new DrillActivitiesImpl(config, resources::store, resources::evidence, resources::keys).withServing(serving),
            new RunbookLockActivitiesImpl(),
            new MonitoringActivitiesImpl(config, resources::store, resources::evidence, Clock.systemUTC())));
  }
}
