package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Backup runbook: precheck, take, verify, seal signed evidence, notify; on failure delete what was
 * written (never evidence), record the failure and notify.
 *
 * <p>Start it with workflow id {@code backup/<target>}: the id is the lock that keeps two backups
 * of one target from running at once, and the workflow refuses any other id.
 */
@WorkflowInterface
public interface BackupWorkflow {
  /** Workflow type name, as used by {@code temporal workflow start --type}. */
  String TYPE = "BackupWorkflow";

  static String workflowId(String target) {
    return "backup/" + target;
  }

  /** A minimal input, quoted when the input is missing. */
  String EXAMPLE_INPUT = "{\"target\": \"orders\", \"operator\": \"alice\"}";

  /**
   * Takes a {@link BackupRequest} as JSON: {@code RunbookInput.of(request)} from Java, the bare
   * object from the Web UI or the {@code temporal} CLI. Input that does not fit fails the run at
   * once (type {@code InvalidRequest}), naming the field.
   */
  @WorkflowMethod(name = TYPE)
  BackupResult run(RunbookInput<BackupRequest> input);

  @QueryMethod(name = "progress")
  BackupProgress progress();

  /** Byte counts from the running backup step; not meant for people. */
  @SignalMethod(name = "reportProgress")
  void reportProgress(ByteProgress progress);
}
