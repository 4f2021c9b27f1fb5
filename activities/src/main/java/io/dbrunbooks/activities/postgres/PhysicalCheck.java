package io.dbrunbooks.activities.postgres;

import static io.dbrunbooks.activities.postgres.PgFailures.VERIFICATION_FAILED;
import static io.dbrunbooks.activities.postgres.PgFailures.nonRetryable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.progress.ActivityProgress;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Checks an extracted base backup with {@code pg_verifybackup}, including its WAL: {@code -X fetch}
 * puts the WAL the backup needs into {@code pg_wal/}, where pg_verifybackup looks by default, so
 * the backup is proven restorable to consistency and not only file-complete. Reads {@code
 * backup_label} and the manifest's WAL-Ranges for the report and cross-checks them with what
 * pg_basebackup said when the backup was taken.
 */
final class PhysicalCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Result(String startLsn, String stopLsn, String startWal, String stopWal, int timeline, String startTime) {}

  private final PgTools tools;
  private final Path dir;

  PhysicalCheck(PgTools tools, Path scratch) throws IOException {
    this.tools = tools;
    this.dir = Files.createDirectory(scratch.resolve("backup"));
  }

  List<String> extractCommand() {
    return List.of("tar", "-x", "-v", "-f", "-", "-C", dir.toString());
  }

  /**
   * @param child tracks pg_verifybackup so the activity's cancellation hook can kill it
   * @param progress rechecked after pg_verifybackup: a tool killed by a cancellation is not a verification failure
   */
  Result check(BackupArtifact a, int entries, List<String> checks, PgTools.CurrentChild child, ActivityProgress progress)
      throws IOException {
    String where = a.location();
    checks.add("tar extracted: " + entries + " entries");
    // pg_verifybackup moves no bytes we can count, however long it reads: heartbeats and
    // cancellation go on, the stall watchdog stops.
    progress.stopWatchdog();
    PgTools.Result r = tools.run("pg_verifybackup", List.of(dir.toString()), null, child::track);
    progress.checkCancelled();
    if (r.exitCode() != 0) {
      throw nonRetryable(VERIFICATION_FAILED, where + ": pg_verifybackup found problems:\n" + (r.stderr() + r.stdout()).strip());
    }
    checks.add("pg_verifybackup: " + r.stdout().strip() + " (files against backup_manifest, and WAL parsed with pg_waldump)");

    Map<String, String> label = label(dir.resolve("backup_label"), where);
    String startLsn = label.getOrDefault("START WAL LOCATION", "").split(" ")[0];
    int timeline = Integer.parseInt(label.getOrDefault("START TIMELINE", "0"));
    JsonNode ranges = JSON.readTree(dir.resolve("backup_manifest").toFile()).path("WAL-Ranges");
    if (!ranges.isArray() || ranges.isEmpty()) {
      throw nonRetryable(VERIFICATION_FAILED, where + ": backup_manifest has no WAL-Ranges");
    }
    JsonNode last = ranges.get(ranges.size() - 1);
    String stopLsn = last.path("End-LSN").asText();
    String manifestStart = ranges.get(0).path("Start-LSN").asText();
    if (!startLsn.equals(manifestStart) || !Objects.equals(a.startLsn(), startLsn) || !Objects.equals(a.stopLsn(), stopLsn)
        || a.timeline() != timeline) {
      throw nonRetryable(VERIFICATION_FAILED, where + ": WAL range disagrees: backup_label starts at " + startLsn
          + " on timeline " + timeline + ", backup_manifest spans " + manifestStart + " to " + stopLsn
          + ", pg_basebackup reported " + a.startLsn() + " to " + a.stopLsn() + " on timeline " + a.timeline());
    }
    checks.add("backup_label, backup_manifest and pg_basebackup agree: WAL " + startLsn + " to " + stopLsn
        + " on timeline " + timeline);
    List<String> segments = walSegments();
    if (segments.isEmpty()) {
      throw nonRetryable(VERIFICATION_FAILED, where + ": the backup holds no WAL segments in pg_wal/");
    }
    String startWal = segments.get(0);
    String stopWal = segments.get(segments.size() - 1);
    checks.add("WAL included: " + segments.size() + " segment(s), " + startWal + " to " + stopWal);
    return new Result(startLsn, stopLsn, startWal, stopWal, timeline, label.get("START TIME"));
  }

  private static Map<String, String> label(Path file, String where) throws IOException {
    if (!Files.exists(file)) {
      throw nonRetryable(VERIFICATION_FAILED, where + ": the backup has no backup_label");
    }
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        m.put(line.substring(0, colon), line.substring(colon + 2).trim());
      }
    }
    return m;
  }

  private List<String> walSegments() throws IOException {
    Path wal = dir.resolve("pg_wal");
    if (!Files.isDirectory(wal)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(wal)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}")).sorted().toList();
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      // Never fail a verification over cleanup, but a full-size copy left behind must be visible.
      org.slf4j.LoggerFactory.getLogger(PhysicalCheck.class).warn("could not remove scratch directory {}: {}", root, e.toString());
    }
  }
}
