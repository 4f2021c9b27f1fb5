package io.dbrunbooks.starter;

import io.dbrunbooks.workflows.backup.BackupPhase;
import io.dbrunbooks.workflows.backup.BackupProgress;
import io.dbrunbooks.workflows.restore.RestorePhase;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.GlobalDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Progress that is current to within seconds. A runbook's {@code progress} query answers from the
 * workflow's state, which the streaming step updates by signal once a minute (each signal grows the
 * history), and its {@code elapsedSeconds} is as of the workflow's last task. The step itself
 * heartbeats its byte count every few seconds, and the worker sends heartbeats to the server at
 * least every 5 s: Temporal keeps the last one with the pending activity, outside the history. So
 * the CLI reads the pending activity's heartbeat and computes elapsed time from the start time.
 */
public final class LiveProgress {
  private LiveProgress() {}

  /** The running step's last heartbeat: its activity type, byte count, rate and when it was sent. */
  public record Heartbeat(String activityType, long bytes, double bytesPerSecond, Instant at) {}

  /** The heartbeat of the run's pending activity that reports a byte count, if any; never throws. */
  public static Optional<Heartbeat> heartbeat(WorkflowClient client, String workflowId, String runId) {
    try {
      DescribeWorkflowExecutionResponse d = client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId == null ? "" : runId))
              .build());
      for (PendingActivityInfo a : d.getPendingActivitiesList()) {
        Optional<Heartbeat> h = heartbeat(a);
        if (h.isPresent()) {
          return h;
        }
      }
    } catch (RuntimeException e) {
      // Progress is a nicety on top of the query's answer: a describe that fails changes nothing.
    }
    return Optional.empty();
  }

  public static Optional<Heartbeat> heartbeat(PendingActivityInfo a) {
    if (!a.hasHeartbeatDetails() || a.getHeartbeatDetails().getPayloadsCount() == 0 || !a.hasLastHeartbeatTime()) {
      return Optional.empty();
    }
    Long bytes;
    try {
      bytes = GlobalDataConverter.get().fromPayload(a.getHeartbeatDetails().getPayloads(0), Long.class, Long.class);
    } catch (DataConverterException notBytes) {
      return Optional.empty(); // e.g. the WAL archiver's checkpoint
    }
    if (bytes == null || bytes <= 0) {
      return Optional.empty();
    }
    Instant at = Instant.ofEpochSecond(a.getLastHeartbeatTime().getSeconds(), a.getLastHeartbeatTime().getNanos());
    double rate = 0;
    if (a.hasLastStartedTime()) {
      Instant started = Instant.ofEpochSecond(a.getLastStartedTime().getSeconds(), a.getLastStartedTime().getNanos());
      long millis = Duration.between(started, at).toMillis();
      rate = millis > 0 ? bytes * 1000.0 / millis : 0;
    }
    return Optional.of(new Heartbeat(a.getActivityType().getName(), bytes, rate, at));
  }

  /** The query's answer with the heartbeat's bytes (in the backup step) and the time elapsed until now. */
  public static BackupProgress backup(BackupProgress p, Optional<Heartbeat> h, Instant now) {
    long bytes = p.bytes();
    double rate = p.throughputBytesPerSecond();
    if (p.phase() == BackupPhase.BACKUP && h.isPresent() && h.get().bytes() > bytes) {
      bytes = h.get().bytes();
      rate = h.get().bytesPerSecond();
    }
    return new BackupProgress(p.target(), p.backupId(), p.phase(), bytes, rate, elapsed(p.startedAt(), p.elapsedSeconds(), now),
        p.lastError(), p.startedAt());
  }

  /** The same for a restore: bytes unpacked (RESTORE) or WAL replayed (RECOVER). */
  public static RestoreProgress restore(RestoreProgress p, Optional<Heartbeat> h, Instant now) {
    long bytes = p.bytes();
    double rate = p.throughputBytesPerSecond();
    if ((p.phase() == RestorePhase.RESTORE || p.phase() == RestorePhase.RECOVER) && h.isPresent() && h.get().bytes() > bytes) {
      bytes = h.get().bytes();
      rate = h.get().bytesPerSecond();
    }
    return new RestoreProgress(p.target(), p.restoreId(), p.phase(), p.backupId(), bytes, rate,
        elapsed(p.startedAt(), p.elapsedSeconds(), now), p.lastError(), p.switchover(), p.startedAt());
  }

  private static double elapsed(String startedAt, double asOfLastTask, Instant now) {
    if (startedAt == null) {
      return asOfLastTask;
    }
    try {
      return Math.max(asOfLastTask, Duration.between(Instant.parse(startedAt), now).toMillis() / 1000.0);
    } catch (RuntimeException e) {
      return asOfLastTask;
    }
  }
}
