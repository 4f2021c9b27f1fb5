package io.dbrunbooks.starter.backup;

import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.starter.CliCommand;

import io.dbrunbooks.activities.catalog.BackupCatalog;
import io.dbrunbooks.activities.config.TargetResources;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runbooks backups list --target T}: every sealed manifest of a target, newest first, with
 * whether its artifacts are still in the store. Offline: reads the registry and store named in the
 * targets file. This is a catalog, not a proof: signatures are checked by {@code evidence verify}.
 */
@Command(name = "list", description = {
    "List the sealed backups of a target, newest first, and whether each artifact is still in the store.",
    "Reads the targets file (--targets); no Temporal needed. Check a backup's signature with: runbooks evidence verify <id>"})
public final class BackupsListCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the targets file.")
  public String target;

  /** One catalog line. {@code artifact} is {@code present} or {@code missing}; {@code backupClass} null when unclassed. */
  public record Entry(String backupId, String target, String method, String sealedAt, Long storedBytes, String sha256,
      String artifact, String operator, String ticket, String manifest, String backupClass) {}

  @Override
  public Integer call() throws IOException {
    TargetResources resources = new TargetResources(cli().loadTargets());
    resources.config().target(target); // unknown target: named with the configured ones
    List<Entry> entries = read(resources, target);
    if (json()) {
      printJson(entries);
      return RunbooksCli.EXIT_OK;
    }
    if (entries.isEmpty()) {
      out().println("no sealed backups of " + target + " in " + resources.evidence(target).uri());
      return RunbooksCli.EXIT_OK;
    }
    String fmt = "%-40s  %-8s  %-8s  %-24s  %10s  %s";
    out().println(String.format(fmt, "BACKUP ID", "METHOD", "CLASS", "SEALED AT", "STORED", "ARTIFACT"));
    for (Entry e : entries) {
      out().println(String.format(fmt, e.backupId(), e.method(), e.backupClass() == null ? "-" : e.backupClass(), e.sealedAt(),
          e.storedBytes() == null ? "?" : Human.bytes(e.storedBytes()), e.artifact()));
    }
    return RunbooksCli.EXIT_OK;
  }

  public static List<Entry> read(TargetResources resources, String target) throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (BackupCatalog.Entry c : BackupCatalog.read(resources.evidence(target), resources.store(target), target)) {
      entries.add(new Entry(c.backupId(), target, c.error() != null ? "?" : c.method(), c.error() != null ? "?" : c.sealedAt(),
          c.storedBytes(), c.sha256(), c.error() != null ? c.error() : c.present() ? "present" : "missing", c.operator(),
          c.ticket(), c.manifestLocation(), c.backupClass()));
    }
    return entries;
  }
}
