package io.dbrunbooks.starter.evidence;

import io.dbrunbooks.starter.CliFailure;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import io.dbrunbooks.activities.keys.PublicKeySet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runbooks evidence verify <backup-id>}: signature, audit chain and artifact checksums of one
 * backup, offline. Every check is printed, so one run names everything that does not match.
 */
@Command(name = "verify", description = {
    "Verify a backup's evidence offline: manifest signature, audit chain, audit head, artifact sizes and SHA-256.",
    "Reads the targets file (--targets); no Temporal needed. Exits 1 when any check fails."})
public final class EvidenceVerifyCommand extends CliCommand {
  @Parameters(paramLabel = "BACKUP-ID")
  public String backupId;

  @Option(names = "--target", paramLabel = "T", description = "Target of the backup (default: the target whose registry holds it).")
  public String target;

  @Option(names = "--public-keys", paramLabel = "FILE",
      description = "Public keys to verify with (from: runbooks keys export-public); default: the target's keyring.")
  public Path publicKeys;

  @Override
  public Integer call() throws IOException {
    TargetResources resources = new TargetResources(cli().loadTargets());
    String t = target != null ? target : findTarget(resources, backupId);
    resources.config().target(t);
    PublicKeyLookup keys = keys(resources, t);
    EvidenceVerifier.Report report = new EvidenceVerifier(resources.evidence(t), resources.store(t), keys).verify(t, backupId);
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target", report.target());
      m.put("backupId", report.backupId());
      m.put("ok", report.ok());
      m.put("checks", report.checks());
      printJson(m);
    } else {
      print(out(), report);
    }
    return report.ok() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
  }

  /** One ✓/✗ line per check and a verdict; shared with the demo. */
  public static void print(PrintWriter out, EvidenceVerifier.Report report) {
    out.println("evidence of backup " + report.backupId() + " (target " + report.target() + ")");
    for (EvidenceVerifier.Check c : report.checks()) {
      // Artifact messages already start with their name; don't say it twice.
      String text = c.message().startsWith(c.name()) ? c.message() : c.name() + ": " + c.message();
      out.println("  " + (c.ok() ? "✓ " : "✗ ") + text);
    }
    int failed = report.failures().size();
    out.println(report.ok()
        ? "all " + report.checks().size() + " checks passed"
        : failed + " of " + report.checks().size() + " checks FAILED: this evidence does not match what was sealed");
  }

  /** The one target whose registry holds a manifest for {@code backupId}. */
  public static String findTarget(TargetResources resources, String backupId) throws IOException {
    TargetsConfig config = resources.config();
    List<String> holders = new ArrayList<>();
    for (String t : new TreeSet<>(config.targets().keySet())) {
      if (resources.evidence(t).get(EvidenceVerifier.manifestPath(t, backupId)).isPresent()) {
        holders.add(t);
      }
    }
    if (holders.isEmpty()) {
      throw CliFailure.failed("no sealed manifest for backup " + backupId + " in the evidence registry of any target in "
          + config.source() + " (" + String.join(", ", new TreeSet<>(config.targets().keySet()))
          + "); list backups with: runbooks backups list --target T");
    }
    if (holders.size() > 1) {
      throw CliFailure.usage("backup " + backupId + " is in the registries of " + String.join(", ", holders) + ": choose one with --target");
    }
    return holders.get(0);
  }

  private PublicKeyLookup keys(TargetResources resources, String t) throws IOException {
    if (publicKeys != null) {
      PublicKeySet set = PublicKeySet.load(publicKeys); // KeyringException names the file and problem
      return set;
    }
    try {
      KeySource source = resources.keys(t);
      return source::verificationKey;
    } catch (UncheckedIOException e) {
      throw CliFailure.usage("cannot read the keyring of " + t + ": " + e.getCause().getMessage()
          + "; verify with exported public keys instead: --public-keys FILE");
    }
  }
}
