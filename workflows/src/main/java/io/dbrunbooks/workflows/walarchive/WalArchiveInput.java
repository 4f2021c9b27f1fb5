package io.dbrunbooks.workflows.walarchive;

/**
 * Input of {@link WalArchiveWorkflow}. Names only, like every runbook input.
 *
 * @param target name of a target in the worker's targets file
 * @param operator who started the archiver (a person, or e.g. {@code deploy:pipeline}); required
 * @param checkpoint where the previous run stopped (continue-as-new), null on the first start
 * @param activitySeconds how long each archiving call streams before it returns; 0 for the default
 */
public record WalArchiveInput(String target, String operator, WalArchiveCheckpoint checkpoint, long activitySeconds) {

  /** A first start with default timings. */
  public WalArchiveInput(String target, String operator) {
    this(target, operator, null, 0);
  }

  WalArchiveInput withCheckpoint(WalArchiveCheckpoint c) {
    return new WalArchiveInput(target, operator, c, activitySeconds);
  }
}
