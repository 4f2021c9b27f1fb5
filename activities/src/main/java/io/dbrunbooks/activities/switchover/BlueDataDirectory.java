package io.dbrunbooks.activities.switchover;

import io.dbrunbooks.activities.postgres.PgTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blue's data directory on the worker's host, driven with {@code pg_controldata} and {@code pg_ctl}
 * as the directory's owner. Nothing here trusts the path alone: callers compare {@link #control()}'s
 * system identifier with the one recorded before the switch, so a directory reused by another
 * cluster since is never stopped or removed.
 */
final class BlueDataDirectory {
  private static final Pattern SYSTEM_ID = Pattern.compile("(?m)^Database system identifier:\\s+(\\d+)\\s*$");
  private static final Pattern STATE = Pattern.compile("(?m)^Database cluster state:\\s+(.+?)\\s*$");
  private static final Pattern CHECKPOINT = Pattern.compile("(?m)^Latest checkpoint location:\\s+([0-9A-F]+/[0-9A-F]+)\\s*$");
  /** A fast shutdown still writes a checkpoint; on a large, busy cluster that takes minutes. */
  private static final int STOP_TIMEOUT_SECONDS = 3600;
  static final String REMOVING = ".db-runbooks-removing";

  /** What pg_control says; {@code state} e.g. "in production", "shut down". */
  record Control(String systemIdentifier, String state, String checkpointLsn) {}

  private final PgTools tools;
  private final Path data;

  BlueDataDirectory(PgTools tools, Path data) {
    this.tools = tools;
    this.data = data;
  }

  Path path() {
    return data;
  }

  boolean exists() {
    return Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS);
  }

  /** PG_VERSION is what every tool looks for first: without it this is not (or no longer) a data directory. */
  boolean hasPgVersion() {
    return Files.isRegularFile(data.resolve("PG_VERSION"), LinkOption.NOFOLLOW_LINKS);
  }

  Control control() throws IOException {
    Result r = run("pg_controldata", List.of("-D", data.toString()));
    Matcher id = SYSTEM_ID.matcher(r.output());
    if (r.exit() != 0 || !id.find()) {
      throw new IOException("pg_controldata -D " + data + " failed (exit " + r.exit() + "): " + r.output().strip());
    }
    Matcher state = STATE.matcher(r.output());
    Matcher checkpoint = CHECKPOINT.matcher(r.output());
    return new Control(id.group(1), state.find() ? state.group(1) : "unknown", checkpoint.find() ? checkpoint.group(1) : null);
  }

  /** {@code pg_ctl status}: 0 running, 3 not running; anything else means it could not tell. */
  boolean running() throws IOException {
    Result r = run("pg_ctl", List.of("-D", data.toString(), "status"));
    if (r.exit() == 0) {
      return true;
    }
    if (r.exit() == 3) {
      return false;
    }
    throw new IOException("pg_ctl status -D " + data + " failed (exit " + r.exit() + "): " + r.output().strip());
  }

  /** {@code pg_ctl stop -m fast -w}: clients are disconnected, a shutdown checkpoint is written. */
  void stop() throws IOException {
    Result r = run("pg_ctl", List.of("-D", data.toString(), "-m", "fast", "-w", "-t", String.valueOf(STOP_TIMEOUT_SECONDS), "stop"));
    if (r.exit() != 0 && running()) {
      throw new IOException("pg_ctl stop -D " + data + " failed (exit " + r.exit() + "): " + r.output().strip());
    }
  }

  /**
   * The port line of {@code postmaster.pid} (its fourth): the port the postmaster running on this
   * directory listens on; null without the file or that line.
   */
  Integer postmasterPort() throws IOException {
    Path pid = data.resolve("postmaster.pid");
    if (!Files.isRegularFile(pid, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    List<String> lines = Files.readAllLines(pid, StandardCharsets.UTF_8);
    String port = lines.size() >= 4 ? lines.get(3).strip() : "";
    return port.matches("\\d{1,5}") ? Integer.valueOf(port) : null;
  }

  /**
   * Deletes the directory, after writing {@value #REMOVING} with the system identifier into it: a
   * removal that died half-way has already lost pg_control, and the marker is how a retry still
   * knows the rest is blue's. The marker goes last, just before the directory itself. Symbolic
   * links inside (pg_wal, tablespaces under pg_tblspc) are removed as links: what they point at
   * lies outside the recorded directory and is left alone.
   *
   * @param beforeEach runs before each file is deleted (heartbeats, cancellation): whatever it
   *     throws stops the removal with the marker in place
   */
  List<String> remove(String systemIdentifier, Runnable beforeEach) throws IOException {
    Path marker = data.resolve(REMOVING);
    Files.writeString(marker, systemIdentifier + "\n");
    try (Stream<Path> s = Files.walk(data)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (p.equals(marker) || p.equals(data)) {
          continue;
        }
        beforeEach.run();
        Files.deleteIfExists(p);
      }
    }
    beforeEach.run();
    Files.deleteIfExists(marker);
    Files.deleteIfExists(data);
    return List.of(data.toString());
  }

  /** True when an earlier {@link #remove} of this cluster started and did not finish. */
  boolean removalStartedFor(String systemIdentifier) throws IOException {
    Path marker = data.resolve(REMOVING);
    return Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) && Files.readString(marker).strip().equals(systemIdentifier);
  }

  private record Result(int exit, String output) {}

  private Result run(String tool, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(tools.program(tool));
    cmd.addAll(args);
    // From /: the owner may not be allowed into the worker's working directory.
    ProcessBuilder pb = new ProcessBuilder(PgTools.asOwnerOf(data, cmd)).directory(new java.io.File("/")).redirectErrorStream(true);
    // pg_controldata's labels are translated: parse them in English.
    pb.environment().put("LC_ALL", "C");
    pb.environment().remove("PGPASSWORD");
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      return new Result(p.waitFor(), out);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + tool, e);
    }
  }
}
