package io.dbrunbooks.activities.drill;

import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.workflows.drill.SmokeCommand;
import io.dbrunbooks.workflows.drill.SmokeCommandOutcome;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an application's smoke command against a restored copy, as a CI job would: no shell, the
 * libpq variables pointing at the copy, a timeout, and only the last lines kept. The target's
 * password reaches the program in {@code PGPASSWORD} and nowhere else: it is masked in the lines
 * kept and never in the outcome's environment list.
 */
final class SmokeCommandRunner {
  static final int LAST_LINES = 20;
  private static final int MAX_LINE = 500;

  /** Called about every second while the program runs; throws to stop it (a canceled activity). */
  interface Pulse {
    void beat();
  }

  private SmokeCommandRunner() {}

  static SmokeCommandOutcome run(TargetConfig t, RestoreEnvironment copy, SmokeCommand command, Pulse pulse)
      throws IOException, InterruptedException {
    String password = t.connection().password() == null ? null : t.connection().password().resolve();
    ProcessBuilder pb = new ProcessBuilder(command.command()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("PG")); // the worker's own libpq settings must not leak into the check
    List<String> shown = new ArrayList<>(List.of("PGHOST=127.0.0.1", "PGPORT=" + copy.port(),
        "PGDATABASE=" + t.connection().database(), "PGUSER=" + t.connection().user()));
    shown.forEach(kv -> env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)));
    if (password != null) {
      env.put("PGPASSWORD", password);
      shown.add("PGPASSWORD from " + t.connection().password());
    }
    long started = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new SmokeCommandOutcome(command.command(), -1, false, 0, List.of("could not start: " + e.getMessage()), shown);
    }
    p.getOutputStream().close();
    Deque<String> last = new ArrayDeque<>();
    Thread reader = new Thread(() -> keepLastLines(p, last, password), "smoke-command-output");
    reader.setDaemon(true);
    reader.start();
    boolean timedOut = false;
    try {
      long deadline = started + TimeUnit.SECONDS.toNanos(command.timeoutOrDefault());
      while (!p.waitFor(1, TimeUnit.SECONDS)) {
        pulse.beat();
        if (System.nanoTime() > deadline) {
          timedOut = true;
          break;
        }
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    reader.join(5_000);
    List<String> lines;
    synchronized (last) {
      lines = List.copyOf(last);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    return new SmokeCommandOutcome(command.command(), timedOut ? -1 : p.exitValue(), timedOut, seconds, lines, shown);
  }

  private static void keepLastLines(Process p, Deque<String> last, String password) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String kept = password == null || password.isEmpty() ? line : line.replace(password, "***");
        // Terminal escapes would reach the audit trail and the Web UI: shown as \\uXXXX instead.
        kept = io.dbrunbooks.workflows.common.InputChecks.printable(kept);
        kept = kept.length() > MAX_LINE ? kept.substring(0, MAX_LINE) + "..." : kept;
        synchronized (last) {
          last.addLast(kept);
          if (last.size() > LAST_LINES) {
            last.removeFirst();
          }
        }
      }
    } catch (IOException ignored) {
      // the program was killed: what was read so far is kept
    }
  }
}
