package io.dbrunbooks.workflows.schedule;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Who holds a runbook's lock: a workflow cannot describe another workflow itself. */
@ActivityInterface
public interface RunbookLockActivities {

  /** The open run of {@code workflowId}, or null when none is open (it ended meanwhile). */
  @ActivityMethod(name = "DescribeLockHolder")
  LockHolder holder(String workflowId);
}
