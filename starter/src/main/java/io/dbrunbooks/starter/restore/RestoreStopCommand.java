package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.worker.TemporalConnection;
import io.dbrunbooks.workflows.restore.OperatorAction;
import io.dbrunbooks.workflows.restore.RestoreProgress;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks restore abort} and {@code rollback}: the running restore's {@code abort} or
 * {@code rollback} signal, then what its progress says once it acted on it (or after a few seconds).
 */
public abstract class RestoreStopCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name.")
  public String target;

  @Option(names = "--by", paramLabel = "NAME", description = "Who asks (default $USER), recorded in the audit trail.")
  public String by;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why, recorded in the audit trail and the notification.")
  public String reason;

  /** The signal's name in {@code PointInTimeRestoreWorkflow}. */
  public abstract String signalName();

  @Override
  public Integer call() {
    String who = by != null ? by : cli().user();
    try (TemporalConnection connection = cli().connect()) {
      RunningRestore run = RunningRestore.find(connection.client(), target);
      RestoreProgress before = run.progress();
      run.signal(signalName(), new OperatorAction(who, reason));
      RunningRestore.After after = run.afterwards(before, RunningRestore.SIGNAL_SETTLE);
      if (json()) {
        Map<String, Object> did = new LinkedHashMap<>();
        did.put("signal", signalName());
        did.put("by", who);
        did.put("reason", reason);
        printJson(run.json(did, after));
      } else {
        out().println("sent " + signalName() + " to the restore of " + target + " (workflow " + run.workflowId + ", run " + run.runId
            + ") as " + who + ": " + reason);
        run.print(out(), after);
      }
      return RunbooksCli.EXIT_OK;
    }
  }

  @Command(name = "abort", description = {
      "Stop a promote restore before the switch (signal 'abort' of restore/<target>): its cluster is torn down unless it"
          + " was started with --keep-on-failure. The restore ignores it after the switch: use rollback.",
      "Prints the restore's phase once it acted on it. No restore of the target running: exit 1."})
  public static final class Abort extends RestoreStopCommand {
    @Override
    public String signalName() {
      return "abort";
    }
  }

  @Command(name = "rollback", description = {
      "During the bake, switch the target's PgBouncer back to blue and tear green down (signal 'rollback' of"
          + " restore/<target>); before the switch it aborts; ignored once blue is stopped.",
      "Prints the restore's phase once it acted on it. No restore of the target running: exit 1."})
  public static final class Rollback extends RestoreStopCommand {
    @Override
    public String signalName() {
      return "rollback";
    }
  }
}
