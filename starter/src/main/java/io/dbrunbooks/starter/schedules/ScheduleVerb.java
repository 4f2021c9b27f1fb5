package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.worker.TemporalConnection;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;

/** What the verbs on one schedule share: the schedule client, and finding a schedule this tool owns. */
public abstract class ScheduleVerb extends CliCommand {

  public static ScheduleClient schedules(TemporalConnection connection) {
    return ScheduleClient.newInstance(connection.service(), ScheduleClientOptions.newBuilder()
        .setNamespace(connection.namespace())
        .setDataConverter(connection.client().getOptions().getDataConverter())
        .build());
  }

  /**
   * The handle of the managed schedule {@code id} ({@code orders-daily} or {@code db-runbooks/orders-daily}).
   *
   * @throws CliFailure exit 1 when there is none; exit 2 when it is not one of ours
   */
  public static ScheduleHandle owned(ScheduleClient client, String id) {
    String scheduleId = ManagedSchedule.scheduleId(ManagedSchedule.entryId(id));
    ScheduleDescription d = new ScheduleSync(client).describe(scheduleId).orElseThrow(() -> CliFailure.failed(
        "no schedule " + scheduleId + ": runbooks schedules list shows the schedules, runbooks schedules sync creates them"));
    if (!ScheduleSync.owned(d)) {
      throw CliFailure.usage("schedule " + scheduleId + " is not managed by runbooks schedules sync; use temporal schedule"
          + " commands for it");
    }
    return client.getHandle(scheduleId);
  }
}
