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
final class WorkerCommand extends CliCommand {
  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the embedded Temporal service keeps its database and log (env RUNBOOKS_WORK_DIR, default ~/.local/share/db-runbooks).")
  Path workDir;

  @Override
  public Integer call() {
    List<String> args = new ArrayList<>(List.of("--targets", cli().targets.toString()));
    if (workDir != null) {
      args.add("--work-dir");
      args.add(workDir.toString());
    }
    out().flush();
    WorkerMain.main(args.toArray(new String[0])); // runs until stopped, then System.exit
    return RunbooksCli.EXIT_OK;
  }
}
