package io.dbrunbooks.activities.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A target's environment and recovery objectives in the targets file, which restore drills are judged against. */
class RecoveryObjectivesConfigTest {
  @TempDir Path dir;

  private TargetsConfig load(String top, String target) throws Exception {
    Path keyring = Files.writeString(dir.resolve("keyring.json"), "{}");
    Path file = dir.resolve("targets.yaml");
    Files.writeString(file, top + "targets:\n"
        + "  orders:\n"
        + "    engine: postgres\n"
        + "    connection: { host: 127.0.0.1, port: 5432, database: orders, user: backup }\n"
        + "    backupStore: file:/var/lib/db-runbooks/backups\n"
        + "    evidence: file:/var/lib/db-runbooks/evidence\n"
        + "    keys: { keyring: " + keyring + " }\n" + target);
    return TargetsConfigLoader.load(file, Map.of());
  }

  @Test
  void withoutAnythingATargetIsJudgedAsProduction() throws Exception {
    RecoveryObjectives o = load("", "").objectivesOf("orders");
    assertEquals(new RecoveryObjectives("production", 4 * 3600, 3600, "default for production"), o);
  }

  @Test
  void anEnvironmentTakesItsDefaultsOrTheFilesObjectivesAndATargetItsOwn() throws Exception {
    assertEquals(8 * 3600, load("", "    environment: staging\n").objectivesOf("orders").rtoSeconds());
    assertEquals(24 * 3600, load("", "    environment: development\n").objectivesOf("orders").rpoSeconds());
    RecoveryObjectives qa = load("objectives:\n  qa: { rtoMinutes: 90, rpoSeconds: 120 }\n", "    environment: qa\n")
        .objectivesOf("orders");
    assertEquals(new RecoveryObjectives("qa", 5400, 120, "objectives.qa in targets.yaml"), qa);
    RecoveryObjectives own = load("objectives:\n  staging: { rtoMinutes: 30 }\n",
        "    environment: staging\n    drill: { rpoSeconds: 5 }\n").objectivesOf("orders");
    assertEquals(new RecoveryObjectives("staging", 1800, 5, "targets.orders.drill"), own);
  }

  @Test
  void anEnvironmentWithoutObjectivesIsRefusedWithItsPosition() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("", "    environment: qa\n"));
    assertTrue(e.getMessage().contains("targets.yaml:8:5: targets.orders.environment: environment \"qa\" has no recovery"
        + " objectives: use one of development, production, staging or add objectives.qa"), e.getMessage());
    ConfigException partial = assertThrows(ConfigException.class,
        () -> load("objectives:\n  qa: { rtoMinutes: 90 }\n", "    environment: qa\n"));
    assertTrue(partial.getMessage().contains("objectives.qa.rpoSeconds: required field is missing"), partial.getMessage());
    ConfigException typo = assertThrows(ConfigException.class, () -> load("", "    drill: { rpoMinutes: 5 }\n"));
    assertTrue(typo.getMessage().contains("targets.orders.drill.rpoMinutes: unknown key \"rpoMinutes\"; expected one of"
        + " rpoSeconds, rtoMinutes"), typo.getMessage());
  }
}
