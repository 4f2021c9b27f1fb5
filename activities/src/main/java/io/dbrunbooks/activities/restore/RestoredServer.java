package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.postgres.PgTools;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The restored cluster's server: started and stopped with {@code pg_ctl} as the server's OS user,
 * queried with {@code psql} through its private socket directory, watched through its log.
 */
final class RestoredServer {
  private final PgTools tools;
  private final RestoreDirectory dir;
  private final int port;

  RestoredServer(PgTools tools, RestoreDirectory dir, int port) {
    this.tools = tools;
    this.dir = dir;
    this.port = port;
  }

  /** {@code pg_ctl status}: is a postmaster running on this data directory? */
  boolean running() throws IOException {
    if (!Files.exists(dir.data().resolve("postmaster.pid"))) {
      return false;
    }
    return pgCtl(List.of("-D", dir.data().toString(), "status")).exitCode() == 0;
  }

  /** Starts without waiting: in recovery it accepts connections only once consistent, which may take long. */
  void start() throws IOException {
    PgTools.Result r = pgCtl(List.of("-D", dir.data().toString(), "-l", dir.log().toString(), "-W", "start"));
    if (r.exitCode() != 0) {
      throw new IOException("pg_ctl start failed (exit " + r.exitCode() + "): " + (r.stdout() + r.stderr()).strip());
    }
  }

  /** Stops immediately: the copy is throwaway, a shutdown checkpoint would only cost time. */
  void stopIfRunning() throws IOException {
    if (running()) {
      PgTools.Result r = pgCtl(List.of("-D", dir.data().toString(), "-m", "immediate", "-w", "-t", "60", "stop"));
      if (r.exitCode() != 0 && running()) {
        throw new IOException("pg_ctl stop failed (exit " + r.exitCode() + "): " + (r.stdout() + r.stderr()).strip());
      }
    }
  }

  /** {@code pg_ctl reload}: the server rereads its configuration files (pg_hba.conf). */
  void reload() throws IOException {
    PgTools.Result r = pgCtl(List.of("-D", dir.data().toString(), "reload"));
    if (r.exitCode() != 0) {
      throw new IOException("pg_ctl reload failed (exit " + r.exitCode() + "): " + (r.stdout() + r.stderr()).strip());
    }
  }

  private PgTools.Result pgCtl(List<String> args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(tools.serverCommand("pg_ctl", args)).directory(dir.dir().toFile());
    pb.environment().remove("PGPASSWORD");
    Process p = pb.redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      return new PgTools.Result(p.waitFor(), out, "");
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running pg_ctl", e);
    }
  }

  /** {@code psql} through the socket directory (trust there), unaligned, tuples only, tab-separated. */
  PgTools.Result psql(String user, String database, String sql, Consumer<Process> started) throws IOException {
    return tools.run("psql", List.of("-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", dir.socketDir().toString(),
        "-p", String.valueOf(port), "-U", user, "-d", database, "-c", sql), null, started);
  }

  /** As {@link #psql} but CSV with a header, for results people read (smoke queries). */
  PgTools.Result psqlCsv(String user, String database, String sql, Consumer<Process> started) throws IOException {
    return tools.run("psql", List.of("-X", "--csv", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir.socketDir().toString(),
        "-p", String.valueOf(port), "-U", user, "-d", database, "-c", sql), null, started);
  }

  /** Connection options for the client tools, e.g. pg_amcheck. */
  List<String> connectArgs(String user) {
    return List.of("-h", dir.socketDir().toString(), "-p", String.valueOf(port), "-U", user);
  }

  /** Server log lines written since {@code offset[0]}; advances it. */
  List<String> newLogLines(long[] offset) throws IOException {
    Path log = dir.log();
    List<String> lines = new ArrayList<>();
    if (!Files.exists(log)) {
      return lines;
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      if (f.length() <= offset[0]) {
        return lines;
      }
      f.seek(offset[0]);
      byte[] buf = new byte[(int) Math.min(f.length() - offset[0], 4 << 20)];
      f.readFully(buf);
      int lastNewline = -1;
      for (int i = buf.length - 1; i >= 0; i--) {
        if (buf[i] == '\n') {
          lastNewline = i;
          break;
        }
      }
      if (lastNewline < 0) {
        return lines; // half a line: wait for the rest
      }
      offset[0] += lastNewline + 1;
      for (String l : new String(buf, 0, lastNewline, StandardCharsets.UTF_8).split("\n")) {
        lines.add(l);
      }
    }
    return lines;
  }

  /** The log's last lines, for failure messages. */
  String logTail(int n) {
    try {
      List<String> all = Files.readAllLines(dir.log(), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    } catch (IOException e) {
      return "(no server log at " + dir.log() + ")";
    }
  }
}
