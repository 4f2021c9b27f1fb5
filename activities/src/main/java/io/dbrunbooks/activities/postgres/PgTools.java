package io.dbrunbooks.activities.postgres;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds and runs the PostgreSQL client and server programs. A password travels only in the child
 * process's {@code PGPASSWORD}: never on a command line (visible in {@code ps}) and never in a log.
 */
public final class PgTools {
  private final Path bindir;

  public PgTools(Path bindir) {
    this.bindir = bindir;
  }

  /** {@code PG_BINDIR}, else {@code pg_config --bindir}, else the newest /usr/lib/postgresql/N/bin, else PATH. */
  public static PgTools locate() {
    String env = System.getenv("PG_BINDIR");
    if (env != null && !env.isBlank()) {
      return new PgTools(Path.of(env));
    }
    try {
      Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.isExecutable(Path.of(out, "pg_basebackup"))) {
        return new PgTools(Path.of(out));
      }
    } catch (IOException e) {
      // no pg_config on PATH; try the Debian layout next
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> s = Files.list(debian)) {
        var newest = s.filter(p -> p.getFileName().toString().matches("\\d+"))
            .filter(p -> Files.isExecutable(p.resolve("bin/pg_basebackup")))
            .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())));
        if (newest.isPresent()) {
          return new PgTools(newest.get().resolve("bin"));
        }
      } catch (IOException e) {
        // fall through to PATH
      }
    }
    return new PgTools(null);
  }

  /** Absolute path of a program, or its bare name when resolved through PATH. */
  public String program(String name) {
    return bindir == null ? name : bindir.resolve(name).toString();
  }

  public Path bindir() {
    return bindir;
  }

  /** initdb, pg_ctl and postgres refuse uid 0: under root they run as this operating-system user. */
  public static final String SERVER_USER = "postgres";

  /** {@code tool args...} as the server's operating-system user: through {@code runuser} when we are root. */
  public List<String> serverCommand(String tool, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(program(tool));
    cmd.addAll(args);
    return asServerUser(cmd);
  }

  /** Any command as the server's operating-system user (e.g. tar unpacking into a data directory). */
  public static List<String> asServerUser(List<String> command) {
    List<String> cmd = new ArrayList<>();
    if (runningAsRoot()) {
      cmd.addAll(List.of("runuser", "-u", SERVER_USER, "--"));
    }
    cmd.addAll(command);
    return cmd;
  }

  /**
   * Any command as the owner of {@code dataDirectory}: pg_ctl may only signal a postmaster of its own
   * user, and a production cluster's data directory belongs to whoever runs it, not necessarily
   * {@link #SERVER_USER}. Under root through {@code runuser}; otherwise as we are, which works only
   * when we are that owner (the tool then says so).
   */
  public static List<String> asOwnerOf(Path dataDirectory, List<String> command) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (runningAsRoot()) {
      String owner = Files.getOwner(dataDirectory, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName();
      if (!owner.equals("root")) {
        cmd.addAll(List.of("runuser", "-u", owner, "--"));
      }
    }
    cmd.addAll(command);
    return cmd;
  }

  /** initdb, pg_ctl and postgres refuse uid 0, whatever the user is called. */
  public static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Under root, gives {@code dir} and everything in it to {@link #SERVER_USER}, after checking that
   * user can reach it at all; otherwise does nothing (the server runs as we do).
   */
  public static void handToServerUser(Path dir) throws IOException {
    if (!runningAsRoot()) {
      return;
    }
    for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
        throw new IOException("the " + SERVER_USER + " user cannot reach " + dir + ": " + p
            + " is not searchable by others (chmod o+x it, or use another directory)");
      }
    }
    java.nio.file.attribute.UserPrincipal pg = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SERVER_USER);
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(p -> {
        try {
          Files.setOwner(p, pg);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** A process builder for {@code tool args...}; {@code password} (may be null) goes into PGPASSWORD only. */
  public ProcessBuilder builder(String tool, List<String> args, String password) {
    List<String> cmd = new ArrayList<>();
    cmd.add(program(tool));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.remove("PGPASSWORD");
    env.remove("PGPASSFILE");
    if (password != null) {
      env.put("PGPASSWORD", password);
    }
    env.putIfAbsent("PGCONNECT_TIMEOUT", "10");
    env.put("PGAPPNAME", "db-runbooks");
    return pb;
  }

  /** Starts a tool; its stderr is drained into a bounded tail in the background. */
  public Running start(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    return new Running(p, StderrTail.drain(p.getErrorStream(), 64 * 1024));
  }

  /** Runs a tool to completion with its stdout captured (bounded) and stdin closed. */
  public Result run(String tool, List<String> args, String password) throws IOException {
    return run(tool, args, password, p -> {});
  }

  /**
   * As {@link #run(String, List, String)}, handing the started process to {@code started} first so
   * that a cancellation hook can kill it (see {@link CurrentChild}).
   */
  public Result run(String tool, List<String> args, String password, java.util.function.Consumer<Process> started)
      throws IOException {
    Running r = start(builder(tool, args, password));
    started.accept(r.process());
    r.process().getOutputStream().close();
    byte[] out = readBounded(r.process().getInputStream(), 4 << 20);
    int code = r.waitFor();
    return new Result(code, new String(out, StandardCharsets.UTF_8), r.stderr().text());
  }

  /** e.g. {@code pg_basebackup (PostgreSQL) 15.10}. */
  public String version(String tool) throws IOException {
    Result r = run(tool, List.of("--version"), null);
    return r.exitCode() == 0 ? r.stdout().trim() : tool + " (version unknown)";
  }

  static byte[] readBounded(InputStream in, int max) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (b.size() < max) {
        b.write(buf, 0, Math.min(n, max - b.size()));
      }
    }
    return b.toByteArray();
  }

  public record Result(int exitCode, String stdout, String stderr) {}

  /** A started tool. */
  public record Running(Process process, StderrTail stderr) {
    public InputStream stdout() {
      return process.getInputStream();
    }

    public OutputStream stdin() {
      return process.getOutputStream();
    }

    public int waitFor() throws IOException {
      try {
        int code = process.waitFor();
        stderr.join();
        return code;
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + process.info().command().orElse("tool"), e);
      }
    }

    public void kill() {
      killTree(process);
    }
  }

  /** Kills a process and its descendants (a shell's children, tar's compressor); null is fine. */
  public static void killTree(Process p) {
    if (p != null) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /**
   * The child process a step is running now, for a cancellation or stall hook that runs on another
   * thread: {@link #killNow()} kills whatever is current, and anything started afterwards is killed
   * as soon as it is tracked, so a hook that fires between two tools cannot miss the second one.
   */
  public static final class CurrentChild {
    private final java.util.concurrent.atomic.AtomicReference<Process> current = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean killed;

    public void track(Process p) {
      current.set(p);
      if (killed) {
        killTree(p);
      }
    }

    public void killNow() {
      killed = true;
      killTree(current.get());
    }
  }

  /** The last {@code max} bytes a tool wrote to stderr, kept by a daemon thread. */
  public static final class StderrTail {
    private final byte[] ring;
    private long written;
    private final Thread thread;

    private StderrTail(InputStream in, int max) {
      this.ring = new byte[max];
      this.thread = new Thread(() -> pump(in), "stderr-drain");
      thread.setDaemon(true);
    }

    static StderrTail drain(InputStream in, int max) {
      StderrTail t = new StderrTail(in, max);
      t.thread.start();
      return t;
    }

    private void pump(InputStream in) {
      byte[] buf = new byte[4096];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (this) {
            for (int i = 0; i < n; i++) {
              ring[(int) (written++ % ring.length)] = buf[i];
            }
          }
        }
      } catch (IOException ignored) {
        // the process went away; what we have is the tail
      }
    }

    void join() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    public synchronized String text() {
      int len = (int) Math.min(written, ring.length);
      byte[] out = new byte[len];
      long start = written - len;
      for (int i = 0; i < len; i++) {
        out[i] = ring[(int) ((start + i) % ring.length)];
      }
      return new String(out, StandardCharsets.UTF_8);
    }

    /** The last {@code lines} lines, for error messages. */
    public String lastLines(int lines) {
      String[] all = text().strip().split("\n");
      return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }
  }

}
