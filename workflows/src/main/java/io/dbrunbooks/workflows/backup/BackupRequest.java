package io.dbrunbooks.workflows.backup;

/**
 * Input of {@link BackupWorkflow}. Names only: connection details and credentials live in the
 * worker's targets file, so the request is safe to show in the Web UI.
 *
 * @param target name of a target in the worker's targets file, e.g. {@code orders}
 * @param method {@code physical} (default) or {@code logical}
 * @param operator who asked for the backup (a person, or e.g. {@code schedule:nightly}); required
 * @param ticket change or incident reference recorded in the evidence; optional
 * @param commitSha commit of the change that asked for the backup, e.g. a deploy pipeline's; optional
 * @param backupClass the plan the backup belongs to ({@code hourly}, {@code daily}, {@code weekly}, ...;
 *     see {@link BackupClass}), which retention may keep for its own period; optional: absent, the
 *     backup is unclassed and follows the recovery window
 */
public record BackupRequest(
    String target, BackupMethod method, String operator, String ticket, String commitSha, String backupClass) {

  /** An unclassed backup (the request as it was before classes). */
  public BackupRequest(String target, BackupMethod method, String operator, String ticket, String commitSha) {
    this(target, method, operator, ticket, commitSha, null);
  }

  /** The method, defaulting to physical when the input left it out. */
  public BackupMethod methodOrDefault() {
    return method == null ? BackupMethod.PHYSICAL : method;
  }
}
