package io.dbrunbooks.workflows.restore;

/**
 * @param mode {@code PROMOTE} also reserves the WAL archiver's slot on the recovered cluster, which may become the
 *     target; null (runs recorded before it existed) counts as isolated
 */
public record RecoverRequest(String target, RestorePlan plan, RestoreEnvironment environment, RestoreMode mode) {

  /** An isolated restore's recovery. */
  public RecoverRequest(String target, RestorePlan plan, RestoreEnvironment environment) {
    this(target, plan, environment, RestoreMode.ISOLATED);
  }
}
