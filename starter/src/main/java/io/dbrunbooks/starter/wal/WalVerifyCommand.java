package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.Human;
import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalVerifier;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks wal verify}: is the archive continuous, and (deep) is every object intact. */
@Command(name = "verify", description = {
    "Check a target's WAL archive: first and last segment of each timeline, every gap (naming the missing segments),"
        + " timeline breaks (a timeline without its history file, or not joined to its parent at the switch point).",
    "--deep also reads every object back: decryption, checksum, and each segment's own page address.",
    "Reads the targets file (--targets); no Temporal needed. Exits 1 when any problem is found."})
public final class WalVerifyCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target whose archive to check.")
  public String target;

  @Option(names = "--deep", description = "Read back, decrypt and checksum every object (slow: reads the whole archive).")
  public boolean deep;

  @Override
  public Integer call() throws IOException {
    try (TargetResources resources = new TargetResources(cli().loadTargets())) {
      resources.config().target(target);
      WalArchive archive = new WalArchive(resources.store(target), resources.keys(target), target);
      WalVerifier.Report r = new WalVerifier(archive).verify(deep);
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target);
        m.put("location", r.location());
        m.put("ok", r.ok());
        m.put("info", r.info());
        m.put("timelines", r.timelines());
        m.put("problems", r.problems());
        m.put("objectsRead", deep ? r.objectsRead() : null);
        printJson(m);
      } else {
        print(r);
      }
      return r.ok() ? RunbooksCli.EXIT_OK : RunbooksCli.EXIT_FAILED;
    }
  }

  private void print(WalVerifier.Report r) {
    out().println("WAL archive of " + target + " at " + r.location() + (r.info() == null ? ""
        : " (system " + r.info().systemIdentifier() + ", PostgreSQL " + r.info().serverVersionNum() / 10000 + ", "
            + Human.bytes(r.info().segmentSize()) + " segments)"));
    for (WalVerifier.TimelineSpan t : r.timelines()) {
      StringBuilder b = new StringBuilder("  timeline " + t.timeline() + ": ");
      b.append(t.segments() == 0 ? "no complete segment" : t.firstSegment() + " .. " + t.lastSegment() + " (" + t.segments() + " segments)");
      if (t.partialSegment() != null) {
        b.append(", filling ").append(t.partialSegment());
      }
      b.append(", archived to ").append(t.archivedEnd());
      out().println(b);
    }
    r.problems().forEach(p -> out().println("  ✗ " + p.kind() + ": " + p.message()));
    if (deep) {
      out().println("  read back " + r.objectsRead() + " objects");
    }
    out().println(r.ok() ? "no gaps, no timeline breaks" + (deep ? ", every object intact" : "")
        : r.problems().size() + " problem" + (r.problems().size() == 1 ? "" : "s") + " found");
  }
}
