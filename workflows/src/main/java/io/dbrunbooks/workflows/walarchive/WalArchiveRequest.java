package io.dbrunbooks.workflows.walarchive;

/**
 * Input of one {@link WalArchiveActivities#archive} call: stream the target's WAL into its archive
 * for at most {@code maxSeconds}, then return a checkpoint.
 *
 * @param target name of a target in the worker's targets file
 * @param maxSeconds how long this call streams before it returns (the workflow calls again)
 */
public record WalArchiveRequest(String target, long maxSeconds) {}
