package io.dbrunbooks.starter;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import io.dbrunbooks.activities.store.BackupStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
final class BackupsListCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target name from the targets file.")
  String target;

  /** One catalog line. {@code artifact} is {@code present} or {@code missing}. */
  record Entry(String backupId, String target, String method, String sealedAt, Long storedBytes, String sha256,
      String artifact, String operator, String ticket, String manifest) {}

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
    String fmt = "%-40s  %-8s  %-24s  %10s  %s";
    out().println(String.format(fmt, "BACKUP ID", "METHOD", "SEALED AT", "STORED", "ARTIFACT"));
    for (Entry e : entries) {
      out().println(String.format(fmt, e.backupId(), e.method(), e.sealedAt(),
          e.storedBytes() == null ? "?" : Human.bytes(e.storedBytes()), e.artifact()));
    }
    return RunbooksCli.EXIT_OK;
  }

  static List<Entry> read(TargetResources resources, String target) throws IOException {
    EvidenceRegistry registry = resources.evidence(target);
    BackupStore store = resources.store(target);
    List<Entry> entries = new ArrayList<>();
    for (String path : registry.list(target + "/backups/")) {
      if (!path.endsWith("/manifest.jws")) {
        continue; // audit entries live beside the manifest
      }
      Optional<byte[]> jws = registry.get(path);
      if (jws.isEmpty()) {
        continue;
      }
      Map<String, Object> m;
      try {
        m = CanonicalJson.mapper().readValue(Jws.unverifiedPayload(new String(jws.get(), StandardCharsets.US_ASCII)),
            new TypeReference<Map<String, Object>>() {});
      } catch (JwsException | IOException e) {
        String id = path.substring((target + "/backups/").length(), path.length() - "/manifest.jws".length());
        entries.add(new Entry(id, target, "?", "?", null, null, "unreadable manifest: " + e.getMessage(), null, null,
            registry.locationOf(path)));
        continue;
      }
      entries.add(entry(m, target, store, registry.locationOf(path)));
    }
    entries.sort(Comparator.comparing((Entry e) -> sortKey(e.sealedAt())).reversed());
    return entries;
  }

  private static Entry entry(Map<String, Object> m, String target, BackupStore store, String location) throws IOException {
    Long stored = null;
    String sha = null;
    boolean present = true;
    if (m.get("artifacts") instanceof List<?> artifacts && !artifacts.isEmpty()) {
      long total = 0;
      for (Object o : artifacts) {
        if (o instanceof Map<?, ?> a && a.get("key") instanceof String key) {
          present &= store.exists(key);
          if (a.get("storedBytes") instanceof Number n) {
            total += n.longValue();
          }
          if (sha == null && a.get("sha256") instanceof String s) {
            sha = s;
          }
        } else {
          present = false;
        }
      }
      stored = total;
    } else {
      present = false;
    }
    return new Entry(str(m, "backupId"), target, str(m, "method"), str(m, "sealedAt"), stored, sha,
        present ? "present" : "missing", str(m, "operator"), str(m, "ticket"), location);
  }

  private static String str(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? null : v.toString();
  }

  private static Instant sortKey(String sealedAt) {
    try {
      return Instant.parse(sealedAt);
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }

}
