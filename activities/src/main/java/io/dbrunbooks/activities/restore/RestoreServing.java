package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.workflows.restore.BackendRef;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part of a restore's directory the switchover uses: the environment its marker records, and the
 * {@code SERVING} marker that keeps teardown away from a restored cluster the application may be
 * using. Only a directory whose marker names the restore is ever touched, as for teardown.
 */
public final class RestoreServing {
  private RestoreServing() {}

  /** The restore's environment as provisioned; null when it has no directory (never provisioned, or torn down). */
  public static RestoreEnvironment environment(TargetConfig t, String restoreId) throws IOException {
    RestoreDirectory dir = RestoreDirectory.of(t, restoreId);
    return dir.isOurs() ? dir.environment() : null;
  }

  /**
   * Marks the restore as serving {@code backend} (before PgBouncer is pointed at it: a crash in
   * between errs on the side of keeping the cluster). A retried switch keeps the first marker, so
   * {@code since} stays the moment traffic may first have gone there.
   *
   * @throws IOException also when the restore has no directory of its own any more
   */
  public static void mark(TargetConfig t, String restoreId, BackendRef backend) throws IOException {
    RestoreDirectory dir = RestoreDirectory.of(t, restoreId);
    if (!dir.isOurs()) {
      throw new IOException("restore " + restoreId + " has no directory at " + dir.dir() + " (torn down?)");
    }
    if (dir.isServing()) {
      return;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("target", t.name());
    details.put("restoreId", restoreId);
    details.put("backend", backend.toString());
    details.put("since", Instant.now().toString());
    dir.markServing(details);
  }

  /** Removes the marker (after PgBouncer was pointed away); true if there was one. */
  public static boolean clear(TargetConfig t, String restoreId) throws IOException {
    RestoreDirectory dir = RestoreDirectory.of(t, restoreId);
    return dir.isOurs() && dir.clearServing();
  }

  public static boolean isServing(TargetConfig t, String restoreId) throws IOException {
    RestoreDirectory dir = RestoreDirectory.of(t, restoreId);
    return dir.isOurs() && dir.isServing();
  }
}
