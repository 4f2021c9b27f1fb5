package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.workflows.common.SealRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backups list} over a real file registry and store: the class column, and old manifests without one. */
class BackupsListCommandTest {
  @TempDir Path dir;

  @Test
  void listsEachBackupsClassAndADashForUnclassedOnes() throws Exception {
    LocalKeyring.create(dir.resolve("keyring.json"));
    Path targets = dir.resolve("targets.yaml");
    Files.writeString(targets, """
        targets:
          orders:
            engine: postgres
            connection: { host: 127.0.0.1, port: 5432, database: orders, user: runbooks }
            backupStore: file:STORE
            evidence: file:EVIDENCE
            keys: { keyring: KEYRING }
        """.replace("STORE", dir.resolve("store").toString()).replace("EVIDENCE", dir.resolve("evidence").toString())
        .replace("KEYRING", dir.resolve("keyring.json").toString()));
    try (TargetResources resources = new TargetResources(TargetsConfigLoader.load(targets, Map.of()))) {
      EvidenceActivitiesImpl evidence = new EvidenceActivitiesImpl(resources.config(), resources::evidence, resources::keys);
      seal(resources, evidence, "orders-20261115T040000Z-aaaaaa", "weekly", "2026-11-15T04:10:00Z");
      seal(resources, evidence, "orders-20261101T020000Z-bbbbbb", null, "2026-11-01T02:10:00Z");
    }

    Cli.Result table = Cli.run("backups", "list", "--targets", targets.toString(), "--target", "orders");
    assertEquals(0, table.exitCode(), table.toString());
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("BACKUP ID +METHOD +CLASS +SEALED AT +STORED +ARTIFACT"), lines.get(0));
    assertTrue(lines.get(1).matches("orders-20261115T040000Z-aaaaaa +physical +weekly +2026-11-15T04:10:05Z .*present"), lines.get(1));
    assertTrue(lines.get(2).matches("orders-20261101T020000Z-bbbbbb +physical +- +2026-11-01T02:10:05Z .*present"), lines.get(2));

    Cli.Result json = Cli.run("backups", "list", "--targets", targets.toString(), "--target", "orders", "--json");
    assertEquals(0, json.exitCode(), json.toString());
    assertTrue(json.out().contains("\"backupClass\" : \"weekly\""), json.out());
    assertTrue(json.out().contains("\"backupClass\" : null"), json.out());
  }

  /** As the backup runbook seals it; {@code backupClass} null leaves the key out, as manifests before classes did. */
  private static void seal(TargetResources resources, EvidenceActivitiesImpl evidence, String id, String backupClass,
      String finishedAt) throws Exception {
    String key = "orders/" + id + "/base.tar.zst.aes";
    try (ArtifactUpload up = resources.store("orders").create(key)) {
      up.stream().write(new byte[100]);
      up.stream().close();
      up.commit();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backupId", id);
    m.put("method", "physical");
    if (backupClass != null) {
      m.put("backupClass", backupClass);
    }
    m.put("sealedAt", java.time.Instant.parse(finishedAt).plusSeconds(5).toString());
    m.put("artifact", Map.of("key", key, "finishedAt", finishedAt));
    m.put("artifacts", List.of(Map.of("key", key, "sha256", "00", "storedBytes", 100)));
    evidence.sealManifest(new SealRequest("orders", "orders/backups/" + id + "/manifest", m));
  }
}
