package io.dbrunbooks.workflows.common;

/** Task queue names shared by the worker, the CLI and the README examples. */
public final class TaskQueues {
  /** The queue every runbook workflow and its activities listen on. */
  public static final String RUNBOOKS = "db-runbooks";

  private TaskQueues() {}
}
