package io.dbrunbooks.workflows.restore;

/**
 * Where recovery stops: {@code {"kind": "time", "value": "2026-11-21T10:40:59Z"}}, {@code {"kind":
 * "lsn", "value": "16/B374D848"}}, {@code {"kind": "name", "value": "before-deploy"}} or {@code
 * {"kind": "latest"}}. Inclusive: the transaction committed exactly at the target is restored.
 */
public record RecoveryTarget(RecoveryTargetKind kind, String value) {

  public static RecoveryTarget time(String isoInstant) {
    return new RecoveryTarget(RecoveryTargetKind.TIME, isoInstant);
  }

  public static RecoveryTarget lsn(String lsn) {
    return new RecoveryTarget(RecoveryTargetKind.LSN, lsn);
  }

  public static RecoveryTarget name(String restorePoint) {
    return new RecoveryTarget(RecoveryTargetKind.NAME, restorePoint);
  }

  public static RecoveryTarget latest() {
    return new RecoveryTarget(RecoveryTargetKind.LATEST, null);
  }

  /** For messages and audit entries, e.g. {@code time 2026-11-21T10:40:59Z}. */
  public String describe() {
    return kind == RecoveryTargetKind.LATEST ? "latest" : kind.name().toLowerCase() + " " + value;
  }
}
