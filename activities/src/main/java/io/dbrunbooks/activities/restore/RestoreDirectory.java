package io.dbrunbooks.activities.restore;

import static io.dbrunbooks.activities.restore.RestoreFailures.INSUFFICIENT_SPACE;
import static io.dbrunbooks.activities.restore.RestoreFailures.NOT_CONFIGURED;
import static io.dbrunbooks.activities.restore.RestoreFailures.nonRetryable;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.RestoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One restore's directory, {@code <restore root>/<restore id>}: the data directory, a private
 * socket directory, the server log and a marker file {@value #MARKER} that says which restore
 * created it. Teardown removes a directory only when its marker names the restore asking, so a
 * mistyped id or a misconfigured root can never remove anything else.
 *
 * <p>A second marker, {@value #SERVING}, exists while PgBouncer may send the application to the
 * restored cluster (from just before a switchover until a switch back): teardown refuses then, since
 * removing that cluster would take the application down with it.
 */
final class RestoreDirectory {
  static final String MARKER = "db-runbooks-restore.json";
  static final String SERVING = "SERVING";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RESTORE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final Path dir;
  private final String restoreId;

  private RestoreDirectory(Path dir, String restoreId) {
    this.dir = dir;
    this.restoreId = restoreId;
  }

  /** Where the restore {@code restoreId} of {@code t} lives; nothing is created. */
  static RestoreDirectory of(TargetConfig t, String restoreId) {
    RestoreConfig rc = t.restore();
    if (rc == null) {
      throw nonRetryable(NOT_CONFIGURED, "target '" + t.name() + "' has no restore: block in the targets file; add one, e.g."
          + " restore: {directory: /var/lib/db-runbooks/restores}, naming a volume with room for a copy of the cluster");
    }
    if (restoreId == null || !RESTORE_ID.matcher(restoreId).matches()) {
      throw nonRetryable(RestoreFailures.RESTORE_FAILED, "invalid restore id '" + restoreId + "'");
    }
    return new RestoreDirectory(rc.directory().resolve(restoreId), restoreId);
  }

  Path dir() {
    return dir;
  }

  Path data() {
    return dir.resolve("data");
  }

  Path socketDir() {
    return dir.resolve("socket");
  }

  Path log() {
    return dir.resolve("postgres.log");
  }

  /** True when the directory exists and its marker names this restore. */
  boolean isOurs() throws IOException {
    Path marker = dir.resolve(MARKER);
    if (!Files.isRegularFile(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    return restoreId.equals(JSON.readTree(marker.toFile()).path("restoreId").asText());
  }

  /** True while the {@value #SERVING} marker exists. */
  boolean isServing() {
    return Files.exists(dir.resolve(SERVING), java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }

  /** What the {@value #SERVING} marker says (target, restore, backend, since); null without one. */
  String servingDescription() throws IOException {
    Path serving = dir.resolve(SERVING);
    return Files.exists(serving, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Files.readString(serving).strip() : null;
  }

  /**
   * Writes the {@value #SERVING} marker whole (a temporary file moved into place), so a crash never
   * leaves a half-written one that a later reader could not make sense of.
   */
  void markServing(Map<String, Object> details) throws IOException {
    Path tmp = dir.resolve(SERVING + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(details) + "\n");
    Files.move(tmp, dir.resolve(SERVING), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Removes the {@value #SERVING} marker; true if there was one. */
  boolean clearServing() throws IOException {
    return Files.deleteIfExists(dir.resolve(SERVING));
  }

  /** The environment recorded in the marker. */
  RestoreEnvironment environment() throws IOException {
    Map<?, ?> m = JSON.readValue(dir.resolve(MARKER).toFile(), Map.class);
    return new RestoreEnvironment(restoreId, dir.toString(), data().toString(), ((Number) m.get("port")).intValue(),
        (String) m.get("clusterName"));
  }

  /**
   * Creates the directory with its marker, or returns the environment an earlier attempt created.
   * Refuses when the volume lacks room for {@code neededBytes} plus slack.
   */
  RestoreEnvironment provision(TargetConfig t, long neededBytes) throws IOException {
    if (isOurs()) {
      if (!Files.exists(socketDir())) { // an attempt that died right after writing the marker
        Files.createDirectory(socketDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      PgTools.handToServerUser(dir);
      return environment();
    }
    Path root = dir.getParent();
    Files.createDirectories(root);
    long free = Files.getFileStore(root).getUsableSpace();
    long wanted = neededBytes + neededBytes / 8 + (128L << 20);
    if (free < wanted) {
      throw nonRetryable(INSUFFICIENT_SPACE, "target '" + t.name() + "': the restore directory " + root + " has " + free
          + " bytes free; this restore needs about " + wanted + " (the base backup unpacked plus the WAL to replay, and"
          + " slack); free space there or point restore.directory at a larger volume");
    }
    if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw nonRetryable(RestoreFailures.RESTORE_FAILED, dir + " exists but was not created by restore " + restoreId
          + " (no matching " + MARKER + "); it is left alone");
    }
    int port = port(t.restore());
    String clusterName = t.name() + "-restore-" + restoreId.substring(Math.max(0, restoreId.length() - 6));
    if (socketDir().resolve(".s.PGSQL." + port).toString().length() > 100) {
      throw nonRetryable(NOT_CONFIGURED, "restore directory " + dir + " is too deep for a Unix socket path (at most 100"
          + " bytes); point restore.directory of target '" + t.name() + "' at a shorter path");
    }
    // The marker right after the directory: a crash in between is the only way to leave a directory
    // that neither a retry nor teardown will touch.
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.writeString(dir.resolve(MARKER), JSON.writeValueAsString(Map.of("restoreId", restoreId, "target", t.name(),
        "port", port, "clusterName", clusterName, "createdAt", java.time.Instant.now().toString())));
    Files.createDirectory(socketDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    // Reachable by the server user; the directory itself stays private to it.
    PgTools.handToServerUser(dir);
    return environment();
  }

  /** A free port: any from the system, or the first free one of the range that no other restore has claimed. */
  private int port(RestoreConfig rc) throws IOException {
    if (rc.anyFreePort()) {
      return LocalCluster.freePort();
    }
    Set<Integer> claimed = claimedPorts();
    for (int p = rc.portFrom(); p <= rc.portTo(); p++) {
      if (!claimed.contains(p) && bindable(p)) {
        return p;
      }
    }
    throw nonRetryable(NOT_CONFIGURED, "no free port in the restore port range " + rc.portFrom() + "-" + rc.portTo()
        + " (" + claimed.size() + " claimed by restores in " + dir.getParent() + "); tear down old restores or widen restore.port");
  }

  private Set<Integer> claimedPorts() throws IOException {
    Set<Integer> ports = new HashSet<>();
    try (Stream<Path> s = Files.list(dir.getParent())) {
      for (Path p : s.toList()) {
        Path marker = p.resolve(MARKER);
        if (Files.isRegularFile(marker)) {
          ports.add(JSON.readTree(marker.toFile()).path("port").asInt());
        }
      }
    }
    return ports;
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the directory when it is this restore's; returns what was removed. */
  List<String> remove() throws IOException {
    if (!isOurs()) {
      return List.of();
    }
    List<String> removed = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    removed.add(dir.toString());
    return removed;
  }
}
