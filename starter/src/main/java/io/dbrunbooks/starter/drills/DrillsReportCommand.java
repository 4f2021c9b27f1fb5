package io.dbrunbooks.starter.drills;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import io.dbrunbooks.activities.keys.PublicKeySet;
import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;
import io.dbrunbooks.starter.RunbooksCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks drills report}: every drill of a target from its sealed manifests, checked offline, as text, JSON or HTML. */
@Command(name = "report", description = {
    "Every drill of a target from its sealed manifests: verdict, RTO, RPO and objectives.",
    "Each manifest's signature and audit chain are verified offline; --out writes an HTML page with the RTO/RPO trend.",
    "Reads the targets file; no Temporal needed.",
    "Exits 1 when any manifest's evidence does not verify."})
final class DrillsReportCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the targets file.")
  String target;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the HTML report (inline SVG charts) to FILE.")
  Path html;

  @Option(names = "--public-keys", paramLabel = "FILE",
      description = "Public keys to verify with (from: runbooks keys export-public); default: the target's keyring.")
  Path publicKeys;

  @Override
  public Integer call() throws IOException {
    TargetResources resources = new TargetResources(cli().loadTargets());
    resources.config().target(target);
    List<DrillRecord> drills = DrillManifests.read(resources.evidence(target), keys(resources), target);
    if (html != null) {
      Files.writeString(html, DrillReportPage.render(target, drills, Instant.now().toString()), StandardCharsets.UTF_8);
    }
    boolean allVerified = drills.stream().allMatch(DrillRecord::evidenceOk);
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("target", target);
      m.put("drills", drills);
      m.put("evidenceOk", allVerified);
      if (html != null) {
        m.put("html", html.toAbsolutePath().toString());
      }
      printJson(m);
    } else {
      out().println(drills.size() + " drill(s) of " + target + ":");
      for (DrillRecord d : drills) {
        out().println(String.format(Locale.ROOT, "  %s %-20s %-8s RTO %s s  RPO %s s  evidence %s  %s", d.startedAt(), d.scenario(),
            d.passed() ? "passed" : d.outcome(), d.rtoSeconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", d.rtoSeconds()),
            d.rpoSeconds() == null ? "-" : String.format(Locale.ROOT, "%.3f", d.rpoSeconds()), d.evidenceOk() ? "✓" : "✗ "
                + String.join("; ", d.evidence()), d.drillId()));
      }
      if (html != null) {
        out().println("report: " + html.toAbsolutePath());
      }
    }
    return allVerified ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
  }

  private PublicKeyLookup keys(TargetResources resources) throws IOException {
    if (publicKeys != null) {
      return PublicKeySet.load(publicKeys);
    }
    try {
      KeySource source = resources.keys(target);
      return source::verificationKey;
    } catch (UncheckedIOException e) {
      throw CliFailure.usage("cannot read the keyring of " + target + ": " + e.getCause().getMessage()
          + "; verify with exported public keys instead: --public-keys FILE");
    }
  }
}
