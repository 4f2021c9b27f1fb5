package io.dbrunbooks.starter.demo;

import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.starter.schedules.ScheduleVerb;
import io.dbrunbooks.starter.schedules.SchedulesTriggerCommand;
import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.schedule.ScheduledRunResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleHandle;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The demo's third act: the runbooks run themselves. Two schedules of one target fire at once: one
 * starts a backup, the other's start meets it and is recorded as skipped (the runbook's workflow id
 * is the lock); a restore drill to the archive's end measures RTO and
 * RPO and leaves an HTML report. Each step runs the `runbooks` command it names, in this JVM.
 */
final class DemoSchedulesAndDrill {
  static final String HOURLY = "orders-hourly";
  static final String DAILY = "orders-daily";

  private final PrintWriter out;
  private final PrintWriter err;
  private final Path dir;
  private final Path targetsFile;
  private final Map<String, String> env;

  DemoSchedulesAndDrill(PrintWriter out, PrintWriter err, Path dir, Path targetsFile, String temporalAddress,
      Map<String, String> cliEnv) {
    this.out = out;
    this.err = err;
    this.dir = dir;
    this.targetsFile = targetsFile;
    this.env = new HashMap<>(cliEnv);
    this.env.put("TEMPORAL_ADDRESS", temporalAddress);
  }

  /**
   * Syncs two schedules of one target, fires both at once: one scheduled backup runs, the other is
   * recorded as skipped (two schedules of one target never run two backups at once); then pauses them.
   */
  boolean schedules(TemporalConnection connection) throws Exception {
    Path file = Files.writeString(dir.resolve("schedules.yaml"), """
        # Two plans for one target, every minute for the demo (hourly and daily classes in real life).
        schedules:
          - id: %1$s
            target: %3$s
            runbook: backup
            backupClass: hourly
            cron: "* * * * *"
          - id: %2$s
            target: %3$s
            runbook: backup
            backupClass: daily
            cron: "* * * * *"
        """.formatted(HOURLY, DAILY, DemoCommand.TARGET));
    DemoCommand.step(out, "syncing " + file + " into Temporal Schedules (as: runbooks schedules sync --file " + file + ")");
    if (!runbooks("schedules", "sync", "--file", file.toString())) {
      return false;
    }
    WorkflowClient client = connection.client();
    ScheduleClient schedules = ScheduleVerb.schedules(connection);
    List<ScheduleHandle> both = List.of(ScheduleVerb.owned(schedules, HOURLY), ScheduleVerb.owned(schedules, DAILY));

    DemoCommand.step(out, "both schedules fire at once (as: runbooks schedules trigger " + HOURLY + "; runbooks schedules"
        + " trigger " + DAILY + "): backup/" + DemoCommand.TARGET + " is the lock, so one backup runs and one start is skipped");
    List<CompletableFuture<ScheduledRunResult>> runs = new ArrayList<>();
    for (ScheduleHandle h : both) {
      runs.add(CompletableFuture.supplyAsync(() -> scheduledRun(client, h)));
    }
    List<String> outcomes = new ArrayList<>();
    for (CompletableFuture<ScheduledRunResult> run : runs) {
      ScheduledRunResult r = run.get();
      outcomes.add(r == null ? "none" : r.outcome());
    }
    if (!outcomes.contains(ScheduledRunResult.COMPLETED) || !outcomes.contains(ScheduledRunResult.SKIPPED)) {
      err.println("the demo expected one scheduled backup completed and one skipped, got " + outcomes);
      return false;
    }
    DemoCommand.step(out, "pausing both so they leave the rest of the demo alone (as: runbooks schedules pause ID --note ...)");
    String note = "paused by runbooks demo: resume with runbooks schedules resume ";
    return runbooks("schedules", "pause", HOURLY, "--note", note + HOURLY)
        && runbooks("schedules", "pause", DAILY, "--note", note + DAILY)
        && runbooks("schedules", "list");
  }

  /** A drill to the archive's end, then its report as an HTML page. */
  boolean drill() {
    DemoCommand.step(out, "drilling a restore of " + DemoCommand.TARGET + " to the end of its WAL archive in an isolated copy"
        + " (as: runbooks drills run --target " + DemoCommand.TARGET + " --recovery latest --wait)");
    if (!runbooks("drills", "run", "--target", DemoCommand.TARGET, "--recovery", "latest", "--operator", DemoCommand.OPERATOR,
        "--wait")) {
      return false;
    }
    Path report = dir.resolve("drills.html");
    DemoCommand.step(out, "the drills' report from their sealed manifests (as: runbooks drills report --target "
        + DemoCommand.TARGET + " --out " + report + ")");
    return runbooks("drills", "report", "--target", DemoCommand.TARGET, "--out", report.toString());
  }

  /** Triggers the schedule and waits for the scheduled run's result; null when it did not start or failed. */
  private ScheduledRunResult scheduledRun(WorkflowClient client, ScheduleHandle schedule) {
    String workflowId;
    try {
      workflowId = SchedulesTriggerCommand.trigger(schedule);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    if (workflowId == null) {
      err.println("the schedule did not start a run within 10 s");
      return null;
    }
    try {
      ScheduledRunResult r = client.newUntypedWorkflowStub(workflowId).getResult(ScheduledRunResult.class);
      synchronized (out) {
        out.println("  " + workflowId + ": " + r.message());
        out.flush();
      }
      return r;
    } catch (RuntimeException e) {
      err.println("the scheduled run " + workflowId + " failed: " + e.getMessage());
      return null;
    }
  }

  private boolean runbooks(String... args) {
    String[] withTargets = new String[args.length + 2];
    withTargets[0] = "--targets";
    withTargets[1] = targetsFile.toString();
    System.arraycopy(args, 0, withTargets, 2, args.length);
    int code = RunbooksCli.run(withTargets, indented(out), indented(err), env);
    if (code != RunbooksCli.EXIT_OK) {
      err.println("runbooks " + String.join(" ", args) + " exited with " + code);
    }
    return code == RunbooksCli.EXIT_OK;
  }

  /** The command's own lines, indented under the demo's step. */
  private static PrintWriter indented(PrintWriter to) {
    return new PrintWriter(new java.io.Writer() {
      private boolean lineStart = true;

      @Override
      public void write(char[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
          if (lineStart) {
            to.write("  ");
          }
          to.write(buf[i]);
          lineStart = buf[i] == '\n';
        }
      }

      @Override
      public void flush() {
        to.flush();
      }

      @Override
      public void close() {
        to.flush();
      }
    }, true);
  }
}
