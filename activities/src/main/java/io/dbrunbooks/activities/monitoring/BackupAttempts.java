package io.dbrunbooks.activities.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.workflows.monitoring.BackupAttempt;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The newest finished backup run of a target, from the evidence every run leaves: a run that
 * sealed its manifest succeeded; a run whose audit trail holds {@code backup.failed} failed. A run
 * with neither is still going (or was terminated) and does not count. Backup ids sort by time
 * ({@code <target>-<yyyyMMddTHHmmssZ>-<6 hex>}) to the second; runs started within the same second
 * (a failed precheck is quick) are ordered by the time of their last audit entry.
 */
public final class BackupAttempts {
  /** Unfinished runs looked past before giving up: a normal target has at most one running. */
  static final int MAX_UNFINISHED = 20;

  private BackupAttempts() {}

  public static Optional<BackupAttempt> newestFinished(EvidenceRegistry registry, String target) throws IOException {
    String base = target + "/backups/";
    List<String> paths = registry.list(base);
    TreeSet<String> ids = new TreeSet<>();
    for (String p : paths) {
      int slash = p.indexOf('/', base.length());
      if (slash > base.length()) {
        ids.add(p.substring(base.length(), slash));
      }
    }
    int unfinished = 0;
    BackupAttempt newest = null;
    for (String id : ids.descendingSet()) {
      if (newest != null && !second(id).equals(second(newest.backupId()))) {
        break; // an earlier second: the newest is known
      }
      Optional<BackupAttempt> a = outcome(registry, base + id, id, paths);
      if (a.isPresent() && (newest == null || time(a.get()).isAfter(time(newest)))) {
        newest = a.get();
      }
      if (a.isEmpty() && ++unfinished >= MAX_UNFINISHED) {
        break;
      }
    }
    return Optional.ofNullable(newest);
  }

  /** When the run's last entry was written (ISO-8601 strings do not sort: trailing zeros are dropped). */
  private static java.time.Instant time(BackupAttempt a) {
    try {
      return java.time.Instant.parse(a.at());
    } catch (RuntimeException e) {
      return java.time.Instant.EPOCH;
    }
  }

  /** The id without its random suffix: {@code orders-20261202T172343Z}. */
  private static String second(String id) {
    int dash = id.lastIndexOf('-');
    return dash < 0 ? id : id.substring(0, dash);
  }

  private static Optional<BackupAttempt> outcome(EvidenceRegistry registry, String chain, String id, List<String> paths)
      throws IOException {
    List<String> entries = new ArrayList<>();
    boolean sealed = false;
    for (String p : paths) {
      if (p.equals(chain + "/manifest.jws")) {
        sealed = true;
      } else if (p.startsWith(chain + "/audit/")) {
        entries.add(p);
      }
    }
    String lastAt = null;
    for (String p : entries) {
      Optional<byte[]> bytes = registry.get(p);
      if (bytes.isEmpty()) {
        continue;
      }
      JsonNode event = CanonicalJson.mapper().readTree(bytes.get()).path("event");
      lastAt = event.path("timestamp").asText(null);
      if ("backup.failed".equals(event.path("action").asText())) {
        return Optional.of(new BackupAttempt(id, "failed", lastAt, event.path("metadata").path("error").asText(null)));
      }
    }
    return sealed ? Optional.of(new BackupAttempt(id, "succeeded", lastAt, null)) : Optional.empty();
  }
}
