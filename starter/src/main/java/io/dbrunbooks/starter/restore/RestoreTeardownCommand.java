package io.dbrunbooks.starter.restore;

import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.starter.CliCommand;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import io.dbrunbooks.workflows.restore.TeardownRequest;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks restore teardown}: stops a finished restore's isolated cluster and removes its
 * directory. Runs here, not through Temporal: it must run on the restore host, and it only ever
 * removes a directory whose marker names that restore.
 */
@Command(name = "teardown", description = {
    "Stop a restored copy and remove its directory (run it on the restore host; reads --targets).",
    "Only a directory whose marker names this restore is removed; a second run does nothing."})
public final class RestoreTeardownCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the targets file.")
  public String target;

  @Option(names = "--restore-id", required = true, paramLabel = "ID", description = "The restore's id, from its result or status.")
  public String restoreId;

  @Override
  public Integer call() {
    TargetResources resources = new TargetResources(cli().loadTargets());
    resources.config().target(target); // unknown target: named with the configured ones
    List<String> removed;
    try {
      removed = new RestoreActivitiesImpl(resources.config(), resources::store, resources::evidence, resources::keys)
          .teardown(new TeardownRequest(target, restoreId));
    } catch (ApplicationFailure e) {
      throw CliFailure.failed(e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw CliFailure.usage(e.getMessage() + " (the restore id is in the restore's result: runbooks restore status --target "
          + target + ")");
    }
    if (json()) {
      printJson(Map.of("target", target, "restoreId", restoreId, "removed", removed));
    } else if (removed.isEmpty()) {
      out().println("nothing to remove: restore " + restoreId + " of " + target + " has no directory here");
    } else {
      out().println("stopped and removed restore " + restoreId + " of " + target + ": " + String.join(", ", removed));
    }
    return RunbooksCli.EXIT_OK;
  }
}
