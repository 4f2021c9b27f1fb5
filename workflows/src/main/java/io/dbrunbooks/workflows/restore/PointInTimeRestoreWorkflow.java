package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.backup.ByteProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Point-in-time restore runbook: plan and prove provenance, provision an isolated cluster, restore
 * the base backup, replay archived WAL to the recovery target, check, seal signed evidence, notify.
 * A failure tears down what was provisioned (unless keep-on-failure), records why and notifies.
 *
 * <p>Start it with workflow id {@code restore/<target>}: one restore per target at a time.
 */
@WorkflowInterface
public interface PointInTimeRestoreWorkflow {
  String TYPE = "PointInTimeRestoreWorkflow";

  static String workflowId(String target) {
    return "restore/" + target;
  }

  @WorkflowMethod(name = TYPE)
  RestoreResult run(RestoreRequest request);

  @QueryMethod(name = "progress")
  RestoreProgress progress();

  /** Byte counts from the running restore or recovery step; not meant for people. */
  @SignalMethod(name = "reportProgress")
  void reportProgress(ByteProgress progress);
}
