package io.dbrunbooks.starter.schedules;

import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.worker.TemporalConnection;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleHandle;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code runbooks schedules trigger ID}: one start now, as if it were due. */
@Command(name = "trigger", description = {"Start a schedule's runbook now.",
    "If the runbook already runs on the target the start is recorded as skipped (the runbook's lock id decides,"
        + " as for every scheduled start)."})
public final class SchedulesTriggerCommand extends ScheduleVerb {
  @Parameters(paramLabel = "ID", description = "Entry id (orders-daily) or schedule id (db-runbooks/orders-daily).")
  String id;

  @Override
  public Integer call() throws InterruptedException {
    try (TemporalConnection connection = cli().connect()) {
      ScheduleClient client = schedules(connection);
      ScheduleHandle handle = owned(client, id);
      String started = trigger(handle);
      out().println("triggered " + handle.getId() + (started == null ? "" : ": started " + started)
          + (started == null ? "" : "\nwatch it with: temporal workflow describe --workflow-id " + started));
    }
    return RunbooksCli.EXIT_OK;
  }

  /**
   * Starts {@code handle}'s action now and returns the id of the workflow it started, or null
   * when the start did not show within 10 s.
   */
  public static String trigger(ScheduleHandle handle) throws InterruptedException {
    long before = handle.describe().getInfo().getNumActions();
    // ALLOW_ALL: a trigger is never dropped silently by the schedule's SKIP; the scheduled run
    // itself records a skip when the runbook is still running.
    handle.trigger(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);
    for (int i = 0; i < 50; i++) {
      var info = handle.describe().getInfo();
      List<ScheduleActionResult> recent = info.getRecentActions();
      if (info.getNumActions() > before && !recent.isEmpty()
          && recent.get(recent.size() - 1).getAction() instanceof ScheduleActionExecutionStartWorkflow w) {
        return w.getWorkflowId();
      }
      Thread.sleep(200);
    }
    return null;
  }
}
