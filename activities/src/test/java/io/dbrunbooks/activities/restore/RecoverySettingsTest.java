package io.dbrunbooks.activities.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RecoverySettingsTest {

  @Test
  void theFetchProgramsClassPathIsAbsoluteBecausePostgresRunsItInTheDataDirectory() {
    String cwd = Path.of("").toAbsolutePath().toString();
    assertEquals(cwd + "/starter/target/runbooks.jar" + java.io.File.pathSeparator + "/opt/lib/x.jar",
        RecoverySettings.absoluteClassPath("starter/target/runbooks.jar" + java.io.File.pathSeparator + "/opt/lib/./x.jar"));
  }

  @Test
  void theRestoreCommandQuotesPathsForTheShellAndDoublesPercentSigns() {
    String cmd = RecoverySettings.restoreCommand("/opt/runbooks/bin/runbooks wal fetch", Path.of("/etc/it's 100%/targets.yaml"), "orders");
    assertEquals("/opt/runbooks/bin/runbooks wal fetch --targets '/etc/it'\\''s 100%%/targets.yaml' --target 'orders' %f %p", cmd);
  }

  @Test
  void theReadAheadRestoreCommandTakesTheSpoolsCopyFirst() {
    String cmd = RecoverySettings.restoreCommand("/opt/runbooks/bin/runbooks wal fetch", Path.of("/etc/targets.yaml"), "orders",
        Path.of("/srv/restores/r1/wal-prefetch"));
    assertEquals("test -f '/srv/restores/r1/wal-prefetch'/%f && mv '/srv/restores/r1/wal-prefetch'/%f %p || "
        + "/opt/runbooks/bin/runbooks wal fetch --prefetch '/srv/restores/r1/wal-prefetch' --targets '/etc/targets.yaml'"
        + " --target 'orders' %f %p", cmd);
  }

  @Test
  void configurationStringsAndTimesAreWrittenAsPostgresqlReadsThem() {
    assertEquals("'it''s a \\\\ path'", RecoverySettings.quote("it's a \\ path"));
    assertEquals("2026-11-21 09:40:59.123456+00", RecoverySettings.pgTime("2026-11-21T10:40:59.123456+01:00"));
    assertEquals("2026-11-21 10:40:59.000000+00", RecoverySettings.pgTime("2026-11-21T10:40:59Z"));
  }
}
