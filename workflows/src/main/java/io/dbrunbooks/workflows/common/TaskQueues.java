package io.dbrunbooks.workflows.common;

/**
 * Task queue names shared by the worker, the CLI and the examples in README.md and docs/.
 *
 * <p>Workflows and light steps run on the main queue. Each kind of heavy step has its own queue
 * next to it, which the worker polls with its own concurrency limit: a step beyond the limit waits
 * in that queue, where any other worker may take it.
 */
public final class TaskQueues {
  /** The queue every runbook workflow and its light activities listen on. */
  public static final String RUNBOOKS = "db-runbooks";

  private TaskQueues() {}

  /** A kind of heavy step, with the queue it runs on beside a main queue. */
  public enum Heavy {
    /** Taking a backup and verifying it: a full read of the cluster, compressed, encrypted, hashed. */
    BACKUP("-backup"),
    /** A restore's planning (hashes the base backup), unpack, WAL replay and checks. */
    RESTORE("-restore");

    private final String suffix;

    Heavy(String suffix) {
      this.suffix = suffix;
    }

    /** This kind's queue beside {@code mainQueue}, e.g. {@code db-runbooks-backup}. */
    public String queue(String mainQueue) {
      return mainQueue + suffix;
    }
  }
}
