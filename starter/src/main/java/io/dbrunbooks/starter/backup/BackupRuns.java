package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.LiveProgress;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.StaticSummary;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupProgress;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupResult;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.grpc.Context;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Starting and following {@link BackupWorkflow} runs, shared by {@code backup start}, {@code status}
 * and {@code demo} so that all three start and report a backup the same way.
 */
public final class BackupRuns {
  private BackupRuns() {}

  public record Started(String workflowId, String runId) {
    public WorkflowExecution execution() {
      return WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId).build();
    }
  }

  /** The end of a followed run: the result, or the failure message. */
  public record Outcome(BackupResult result, String failure) {
    public boolean ok() {
      return result != null;
    }
  }

  /**
   * Starts a backup with workflow id {@code backup/<target>} on the runbooks task queue. The id is
   * the lock: with conflict policy FAIL a second start while one runs is refused by the server.
   *
   * @throws CliFailure exit 3 when a backup of the target is already running
   */
  public static Started start(WorkflowClient client, BackupRequest request) {
    String workflowId = BackupWorkflow.workflowId(request.target());
    BackupWorkflow stub = client.newWorkflowStub(BackupWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.RUNBOOKS)
        // The workflow list's one line about this run: what, on which target, by whom.
        .setStaticSummary(StaticSummary.of("backup of " + request.target() + " ("
            + request.methodOrDefault().name().toLowerCase() + ") by " + request.operator()))
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .build());
    try {
      WorkflowExecution e = WorkflowClient.start(stub::run, RunbookInput.of(request));
      return new Started(e.getWorkflowId(), e.getRunId());
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliFailure(RunbooksCli.EXIT_ALREADY_RUNNING, "a backup of " + request.target() + " is already running (workflow "
          + workflowId + ", run " + e.getExecution().getRunId() + "); watch it with: runbooks status " + workflowId, e);
    }
  }

  /**
   * Waits for the run to end, asking its {@code progress} query every {@code interval} and handing
   * each changed answer to {@code onProgress}. A query that cannot be answered (no worker polling)
   * is reported once through {@code onQueryProblem}; the wait goes on, as Temporal's does.
   */
  public static Outcome follow(WorkflowClient client, Started run, Duration interval, Consumer<BackupProgress> onProgress,
      Consumer<String> onQueryProblem) {
    Followed<BackupResult, BackupProgress> f = follow(client, run, BackupWorkflow.TYPE, BackupResult.class, BackupProgress.class,
        p -> LiveProgress.backup(p, LiveProgress.heartbeat(client, run.workflowId(), run.runId()), java.time.Instant.now()),
        (a, b) -> a.phase() != b.phase() || a.bytes() != b.bytes(), p -> false, interval, onProgress, onQueryProblem, "backup");
    return new Outcome(f.result(), f.failure());
  }

  /**
   * The end of any followed run: its result, or the failure message; or, when the follower stopped
   * waiting before the end, the progress it stopped at.
   */
  public record Followed<R, P>(R result, String failure, P stoppedAt) {}

  /**
   * {@link #follow} for any runbook whose workflow answers a {@code progress} query: {@code refresh}
   * brings each answer up to date (see {@link LiveProgress}), {@code changed}
   * says when a new answer is worth printing, {@code until} when to stop waiting although the run
   * goes on (after printing that answer); {@code noun} names the run in messages.
   */
  public static <R, P> Followed<R, P> follow(WorkflowClient client, Started run, String workflowType, Class<R> resultType,
      Class<P> progressType, java.util.function.UnaryOperator<P> refresh, java.util.function.BiPredicate<P, P> changed, java.util.function.Predicate<P> until,
      Duration interval, Consumer<P> onProgress, Consumer<String> onQueryProblem, String noun) {
    WorkflowStub stub = client.newUntypedWorkflowStub(run.workflowId(), Optional.of(run.runId()), Optional.of(workflowType));
    // The result's long poll runs in its own gRPC context: cancelled when the follower stops waiting
    // early, so closing the connection does not wait for the poll to time out (about 20 s).
    Context.CancellableContext poll = Context.current().withCancellation();
    Context previous = poll.attach();
    CompletableFuture<R> result;
    try {
      result = stub.getResultAsync(resultType);
    } finally {
      poll.detach(previous);
    }
    try {
      return await(stub, result, run, progressType, refresh, changed, until, interval, onProgress, onQueryProblem, noun);
    } finally {
      poll.cancel(null);
    }
  }

  private static <R, P> Followed<R, P> await(WorkflowStub stub, CompletableFuture<R> result, Started run, Class<P> progressType,
      java.util.function.UnaryOperator<P> refresh, java.util.function.BiPredicate<P, P> changed, java.util.function.Predicate<P> until, Duration interval,
      Consumer<P> onProgress, Consumer<String> onQueryProblem, String noun) {
    P last = null;
    boolean queryProblemReported = false;
    while (true) {
      try {
        return new Followed<>(result.get(interval.toMillis(), TimeUnit.MILLISECONDS), null, null);
      } catch (TimeoutException stillRunning) {
        try {
          P p = refresh.apply(stub.query("progress", progressType));
          if (last == null || changed.test(last, p)) {
            onProgress.accept(p);
          }
          last = p;
          if (until.test(p)) {
            return new Followed<>(null, null, p);
          }
        } catch (WorkflowException | io.grpc.StatusRuntimeException e) {
          if (!queryProblemReported && !result.isDone()) {
            onQueryProblem.accept("progress not available (" + describe(e) + "); is a worker polling task queue " + TaskQueues.RUNBOOKS + "?");
            queryProblemReported = true;
          }
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof WorkflowFailedException)) {
          // Lost contact with Temporal (or the namespace went away): the run itself may be fine.
          throw new CliFailure(RunbooksCli.EXIT_UNREACHABLE, "lost contact with Temporal while waiting for " + run.workflowId()
              + " (" + e.getCause().getMessage() + "); the " + noun + " may still be running: runbooks status " + run.workflowId());
        }
        return new Followed<>(null, describe(e.getCause()), null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliFailure.failed("interrupted while waiting for " + run.workflowId() + "; the " + noun + " goes on: runbooks status "
            + run.workflowId());
      }
    }
  }

  /** The innermost useful message of a workflow failure, without Java class names. */
  public static String describe(Throwable t) {
    Throwable c = t;
    while (c instanceof WorkflowException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ApplicationFailure a) {
      return a.getOriginalMessage();
    }
    if (c instanceof TerminatedFailure) {
      return "terminated: " + ((TerminatedFailure) c).getOriginalMessage();
    }
    if (c instanceof CanceledFailure) {
      return "canceled";
    }
    if (c instanceof TimeoutFailure tf) {
      return "timed out (" + tf.getTimeoutType() + ")";
    }
    if (c instanceof io.temporal.failure.TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  public static String progressLine(BackupProgress p) {
    return progressLine(p.phase().name(), p.bytes(), "written", p.throughputBytesPerSecond(), p.elapsedSeconds(), p.lastError());
  }

  /** One progress line of any runbook: phase, bytes (and what they are), rate, elapsed time, last error. */
  public static String progressLine(String phase, long bytes, String bytesAre, double bytesPerSecond, double elapsedSeconds,
      String lastError) {
    StringBuilder b = new StringBuilder("  ").append(String.format("%-15s", phase.toLowerCase()));
    if (bytes > 0) {
      b.append(Human.bytes(bytes)).append(' ').append(bytesAre);
      if (bytesPerSecond > 0) {
        b.append(" at ").append(Human.rate(bytesPerSecond));
      }
      b.append(", ");
    }
    b.append(Human.seconds(elapsedSeconds)).append(" elapsed");
    if (lastError != null) {
      b.append("; error: ").append(lastError);
    }
    return b.toString();
  }

  /** A person's summary of a completed backup: what was stored where, and what proves it. */
  public static void printSummary(PrintWriter out, BackupResult r) {
    BackupArtifact a = r.artifact();
    VerificationReport v = r.verification();
    out.println("backup " + r.backupId() + " of " + r.target() + " completed in " + Human.seconds(r.durationSeconds()));
    row(out, "method", r.method().name().toLowerCase() + (a.toolVersion() == null ? "" : " (" + a.toolVersion() + ")"));
    row(out, "size", Human.bytes(a.sourceBytes()) + " from the tool, " + Human.bytes(a.storedBytes()) + " stored ("
        + a.compression() + ", " + a.encryption() + ")");
    row(out, "sha256", a.sha256() + " (stored bytes)");
    if (v != null && v.startLsn() != null) {
      row(out, "WAL", "LSN " + v.startLsn() + " .. " + v.stopLsn() + ", timeline " + v.timeline()
          + (v.startWal() == null ? "" : ", segments " + v.startWal() + " .. " + v.stopWal()));
    }
    if (v != null) {
      row(out, "verified", v.tool() + ", " + v.checks().size() + " checks passed");
    }
    row(out, "artifact", a.location());
    row(out, "manifest", r.manifest().location());
    row(out, "keys", "data key wrapped by " + a.wrappingKeyId() + "; manifest signed by " + r.manifest().signingKeyId()
        + " (" + r.manifest().algorithm() + ")");
  }

  private static void row(PrintWriter out, String name, String value) {
    out.println(String.format("  %-10s%s", name, value));
  }

  /** The same summary for {@code --json}: no wrapped data key, nothing that needs a key to be useful. */
  public static Map<String, Object> summary(BackupResult r) {
    BackupArtifact a = r.artifact();
    VerificationReport v = r.verification();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backupId", r.backupId());
    m.put("target", r.target());
    m.put("method", r.method());
    m.put("durationSeconds", r.durationSeconds());
    m.put("sourceBytes", a.sourceBytes());
    m.put("storedBytes", a.storedBytes());
    m.put("sha256", a.sha256());
    m.put("artifact", a.location());
    m.put("startLsn", v == null ? null : v.startLsn());
    m.put("stopLsn", v == null ? null : v.stopLsn());
    m.put("timeline", v == null ? null : v.timeline());
    m.put("manifest", r.manifest().location());
    m.put("manifestSha256", r.manifest().sha256());
    m.put("wrappingKeyId", a.wrappingKeyId());
    m.put("signingKeyId", r.manifest().signingKeyId());
    m.put("notified", r.notified());
    return m;
  }

  public static Duration pollInterval() {
    return Duration.ofSeconds(2);
  }
}
