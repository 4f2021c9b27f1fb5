package io.dbrunbooks.workflows.walarchive;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Continuous WAL archiving of one target: calls the archiving activity in a loop, forever, and
 * continues as new with its checkpoint so its history stays bounded. Cancel it to stop archiving.
 *
 * <p>Start it with workflow id {@code wal-archive/<target>}: one archiver per target, and the
 * workflow refuses any other id.
 */
@WorkflowInterface
public interface WalArchiveWorkflow {
  /** Workflow type name, as used by {@code temporal workflow start --type}. */
  String TYPE = "WalArchiveWorkflow";

  static String workflowId(String target) {
    return "wal-archive/" + target;
  }

  /** Returns only when cancelled (as a cancellation) or when the archive cannot go on (a failure). */
  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"operator\": \"alice\"}";

  /** Takes a {@link WalArchiveInput} as JSON; see {@link RunbookInput}. */
  @WorkflowMethod(name = TYPE)
  WalArchiveCheckpoint run(RunbookInput<WalArchiveInput> input);

  @QueryMethod(name = "progress")
  WalArchiveProgress progress();

  /** Position reports from the running archiving call; not meant for people. */
  @SignalMethod(name = "reportWalProgress")
  void reportWalProgress(WalArchiveCheckpoint current);
}
