package io.dbrunbooks.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of every verb: {@code -h/--help}, access to the root's global options ({@code --json},
 * {@code --targets}, the environment) and to the output streams picocli was given, so tests can run
 * commands in-process.
 */
public abstract class CliCommand implements Callable<Integer> {
  @Spec public CommandSpec spec;

  /** Declared here so every command, however deep, answers it; picocli then skips required options. */
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  public boolean help;

  public RunbooksCli cli() {
    return (RunbooksCli) spec.root().userObject();
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  public boolean json() {
    return cli().json;
  }

  /** Prints the note of {@link #awaitFirstVerdict} under "started ...", when there is one. */
  public void printNote(String note) {
    if (note != null) {
      out().println(note);
    }
  }

  /** The JSON of a run just started: ids, {@code "status": "running"} and the note of {@link #awaitFirstVerdict}, if any. */
  public void printStartedJson(String workflowId, String runId, String note) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workflowId", workflowId);
    m.put("runId", runId);
    m.put("status", "running");
    if (note != null) {
      m.put("note", note);
    }
    printJson(m);
  }

  public void printJson(Object value) {
    try {
      out().println(RunbooksCli.JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output: " + e.getMessage(), e);
    }
  }

  /**
   * Right after a start: waits (env {@code RUNBOOKS_START_WAIT} seconds, default 10; 0 skips) for
   * the workflow's verdict on its first task, so that nothing says "started" about a run the workflow
   * refuses a moment later (see {@link FirstVerdict}).
   *
   * @param what the run for people, e.g. "backup of orders"
   * @return a note to print with "started" when no worker has finished its first task yet, else null
   * @throws CliFailure exit 2 with the workflow's sentence when it refused; exit 1 when the run was
   *     stopped before its first step
   */
  public String awaitFirstVerdict(WorkflowClient client, WorkflowExecution run, String what) {
    Duration bound = cli().seconds("RUNBOOKS_START_WAIT", 10);
    if (bound.isZero()) {
      return null;
    }
    FirstVerdict v;
    try {
      v = FirstVerdict.await(client, run, bound);
    } catch (io.grpc.StatusRuntimeException e) {
      throw new CliFailure(RunbooksCli.EXIT_UNREACHABLE, "lost contact with Temporal after starting " + what + " ("
          + e.getStatus().getCode() + "); it may still be running: runbooks status " + run.getWorkflowId(), e);
    }
    return switch (v.kind()) {
      case ACCEPTED, ENDED -> null;
      case REFUSED -> throw CliFailure.usage(what + " refused: " + v.message());
      case TASK_FAILED -> {
        // The server retries a failed task forever and the open run holds the target's lock: end it,
        // so that the corrected command can start. A run whose first task never completed has done
        // nothing (no step was ever scheduled), so ending it undoes nothing.
        client.newUntypedWorkflowStub(run.getWorkflowId(), Optional.of(run.getRunId()), Optional.empty())
            .terminate("its first workflow task failed: " + v.message() + "; ended by the runbooks command that started it");
        throw CliFailure.usage(what + " refused: " + v.message() + "; the run (" + run.getWorkflowId() + ") was terminated");
      }
      case STOPPED -> throw CliFailure.failed(what + " " + v.message() + " (workflow " + run.getWorkflowId() + ")");
      case NOT_PICKED_UP -> v.message() + " (task queue " + TaskQueues.RUNBOOKS + "); it starts when a worker polls: runbooks worker";
      case NOT_FINISHED -> v.message() + " (a busy worker)";
    };
  }
}
