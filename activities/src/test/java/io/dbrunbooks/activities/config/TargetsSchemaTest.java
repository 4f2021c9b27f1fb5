package io.dbrunbooks.activities.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The published schema, as an editor sees it: the documented example passes, its defaults are the worker's. */
class TargetsSchemaTest {
  private static final Path DOCS = Path.of(System.getProperty("user.dir")).resolveSibling("docs");

  @TempDir Path dir;

  @Test
  void theDocumentedExampleWithEveryKeyPassesTheSchema() {
    YamlTree example = YamlTree.read(DOCS.resolve("examples/targets.yaml"));
    YamlSchema.named("targets.schema.json").check(example);
    // ... and the defaults were filled in where the example leaves keys out.
    assertEquals("prefer", example.root().at("/targets/billing/connection/sslmode").asText());
    assertEquals(60, example.root().at("/targets/billing/maxReplicationLagSeconds").asInt());
  }

  @Test
  void theSchemaOnTheClasspathIsTheOnePublishedInDocs() throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (var in = YamlSchema.class.getResourceAsStream("targets.schema.json")) {
      assertEquals(json.readTree(DOCS.resolve("targets.schema.json").toFile()), json.readTree(in));
    }
  }

  @Test
  void theSchemaDefaultsAreTheWorkersDefaults() throws IOException {
    JsonNode defs = new ObjectMapper().readTree(DOCS.resolve("targets.schema.json").toFile()).get("definitions");
    assertEquals(TargetsConfigLoader.DEFAULT_MAX_REPLICATION_LAG_SECONDS,
        defs.at("/target/properties/maxReplicationLagSeconds/default").asDouble());
    assertEquals(PgBouncerConfig.DEFAULT_PAUSE_TIMEOUT_SECONDS, defs.at("/pgbouncer/properties/pauseTimeoutSeconds/default").asDouble());
    assertEquals(TargetsConfigLoader.MAX_PAUSE_TIMEOUT_SECONDS, defs.at("/pgbouncer/properties/pauseTimeoutSeconds/maximum").asInt());
    assertEquals(WalArchiveConfig.DEFAULT_FLUSH_INTERVAL.toMillis(),
        (long) (defs.at("/walArchive/properties/flushIntervalSeconds/default").asDouble() * 1000));
    assertEquals(MonitoringConfig.DEFAULT_BACKUP_MAX_AGE.toHours(), defs.at("/target/properties/monitoring/properties/backupMaxAgeHours/default").asLong());
    assertEquals(MonitoringConfig.DEFAULT_WAL_ARCHIVE_MAX_LAG.toMinutes(),
        defs.at("/target/properties/monitoring/properties/walArchiveMaxLagMinutes/default").asLong());
    JsonNode s = defs.at("/switchover/properties");
    assertEquals(SwitchoverConfig.DEFAULT_APPROVAL_TIMEOUT_MINUTES, s.at("/approvalTimeoutMinutes/default").asDouble());
    assertEquals(SwitchoverConfig.DEFAULT_BAKE_MINUTES, s.at("/bakeMinutes/default").asDouble());
    assertEquals(SwitchoverConfig.DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS, s.at("/healthCheckIntervalSeconds/default").asInt());
    assertEquals(SwitchoverConfig.DEFAULT_HEALTH_CHECK_FAILURES, s.at("/healthCheckFailures/default").asInt());
    assertEquals(SwitchoverConfig.DEFAULT_KEEP_BLUE_DAYS, s.at("/keepBlueDays/default").asDouble());
    assertEquals(SwitchoverConfig.DEFAULT_GREEN_HOST, s.at("/greenHost/default").asText());
  }

  @Test
  void aFileThatIsNotAMappingIsRefusedWithWhatWasWritten() throws IOException {
    Path f = Files.writeString(dir.resolve("targets.yaml"), "just text\n");
    ConfigException e = assertThrows(ConfigException.class, () -> TargetsConfigLoader.load(f, java.util.Map.of()));
    assertTrue(e.getMessage().endsWith(":1:1: expected a mapping with a 'targets:' key, got \"just text\""), e.getMessage());
  }

  @Test
  void aListWhereTargetsBelongIsRefusedAtItsKey() throws IOException {
    Path f = Files.writeString(dir.resolve("targets.yaml"), "# targets\ntargets: [orders]\n");
    ConfigException e = assertThrows(ConfigException.class, () -> TargetsConfigLoader.load(f, java.util.Map.of()));
    assertTrue(e.getMessage().endsWith(":2:1: targets: expected a mapping of target names, got a list"), e.getMessage());
  }
}
