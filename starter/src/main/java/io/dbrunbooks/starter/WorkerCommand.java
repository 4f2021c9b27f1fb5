package io.dbrunbooks.starter;

import io.dbrunbooks.worker.WorkerMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks worker}: the worker in the foreground, so one jar does everything. Delegates to
 * {@link WorkerMain}, which owns signal handling and exits the JVM with its own codes.
 */
@Command(name = "worker", description = {
    "Run the worker in the foreground until SIGTERM or Ctrl-C.",
    "With no TEMPORAL_ADDRESS it starts an embedded Temporal service on 127.0.0.1:7233 (Web UI on 8233 when the temporal CLI is installed).",
    "Exit codes are the worker's: 0 clean shutdown, 1 cannot start (port in use, Temporal unreachable), 2 bad configuration."})
public final class WorkerCommand extends CliCommand {
  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the embedded Temporal service keeps its database and log (env RUNBOOKS_WORK_DIR, default ~/.local/share/db-runbooks).")
  public Path workDir;

  @Option(names = "--backup-concurrency", paramLabel = "N",
      description = "Backup takes and verifications this worker runs at once; more wait in the task queue db-runbooks-backup (env RUNBOOKS_BACKUP_CONCURRENCY, default half the processors, at least 1).")
  public Integer backupConcurrency;

  @Option(names = "--restore-concurrency", paramLabel = "N",
      description = "Restore steps (plan, unpack, replay, checks) this worker runs at once; more wait in the task queue db-runbooks-restore (env RUNBOOKS_RESTORE_CONCURRENCY, default half the processors, at least 1).")
  public Integer restoreConcurrency;

  @Option(names = "--drain-seconds", paramLabel = "S",
      description = "On SIGTERM, how long running activity calls get to end before they are interrupted (env RUNBOOKS_DRAIN_SECONDS, default 20).")
  public Integer drainSeconds;

  @Override
  public Integer call() {
    List<String> args = new ArrayList<>(List.of("--targets", cli().targets.toString()));
    if (workDir != null) {
      args.add("--work-dir");
      args.add(workDir.toString());
    }
    if (backupConcurrency != null) {
      args.add("--backup-concurrency=" + backupConcurrency);
    }
    if (restoreConcurrency != null) {
      args.add("--restore-concurrency=" + restoreConcurrency);
    }
    if (drainSeconds != null) {
      args.add("--drain-seconds=" + drainSeconds);
    }
    out().flush();
    WorkerMain.main(args.toArray(new String[0])); // runs until stopped, then System.exit
    return RunbooksCli.EXIT_OK;
  }
}
