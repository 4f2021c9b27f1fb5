package io.dbrunbooks.activities.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoverySettingsTest {
  /** Every setting PostgreSQL reads as a recovery target; at most one may be set. */
  static final List<String> TARGETS = List.of("recovery_target", "recovery_target_lsn", "recovery_target_name",
      "recovery_target_time", "recovery_target_xid");

  @TempDir static Path tmp;
  static LocalCluster cluster;
  static String postgresqlConf;

  /** A real data directory, stopped: PostgreSQL itself ({@code postgres -C}) says what it would recover to. */
  @BeforeAll
  static void dataDirectory() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.stop();
    postgresqlConf = Files.readString(cluster.dataDirectory().resolve("postgresql.conf"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A backup of a promoted copy carries the recovery settings of that copy's own restore in
   * postgresql.auto.conf, and the source's postgresql.conf (or a file it includes) may set some too.
   * Whatever the backup carries, the restore recovers to its own target alone, with its own
   * restore_command, and runs no command of the source's.
   */
  @Test
  void theRestoresRecoveryTargetWinsOverEverythingTheBackupCarries() throws Exception {
    Path data = cluster.dataDirectory();
    Map<RecoveryTarget, String> expected = new LinkedHashMap<>();
    expected.put(RecoveryTarget.lsn("0/3000028"), "recovery_target_lsn=0/3000028");
    expected.put(RecoveryTarget.name("before-migration"), "recovery_target_name=before-migration");
    expected.put(RecoveryTarget.time("2026-11-21T10:40:59Z"), "recovery_target_time=2026-11-21 10:40:59.000000+00");
    expected.put(RecoveryTarget.latest(), null);
    for (var e : expected.entrySet()) {
      carriedByTheBackup(data);
      Path auto = data.resolve("postgresql.auto.conf");
      String owner = Files.getOwner(auto, LinkOption.NOFOLLOW_LINKS).getName();
      String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(auto));

      RecoverySettings.write(data, new RestoreEnvironment("r1", tmp.toString(), data.toString(), 5999, "orders-restore-r1"),
          tmp.resolve("socket"), "cp /archive/%f %p", e.getKey());

      assertEquals(owner, Files.getOwner(auto, LinkOption.NOFOLLOW_LINKS).getName(), "the owner of " + auto);
      assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(auto)), "the mode of " + auto);
      PgTools.handToServerUser(data);
      for (String name : TARGETS) {
        String want = e.getValue() != null && e.getValue().startsWith(name + "=") ? e.getValue().substring(name.length() + 1) : "";
        assertEquals(want, setting(data, name), e.getKey().describe() + ": " + name);
      }
      assertEquals("cp /archive/%f %p", setting(data, "restore_command"), e.getKey().describe());
      assertEquals("", setting(data, "recovery_end_command"), e.getKey().describe());
      assertEquals("", setting(data, "archive_cleanup_command"), e.getKey().describe());
      assertEquals("", setting(data, "primary_conninfo"), e.getKey().describe());
      assertEquals("0", setting(data, "recovery_min_apply_delay"), e.getKey().describe());
      assertEquals("latest", setting(data, "recovery_target_timeline"), e.getKey().describe());
      String written = Files.readString(auto);
      assertFalse(written.contains("2026-11-20 08:00:00") || written.contains("password=secret")
          || written.contains("/mnt/blue-archive"), "the backup's recovery settings are gone:\n" + written);
    }
  }

  /**
   * Once a restored copy has recovered, its postgresql.auto.conf keeps the copy's own settings (port,
   * cluster name, ...) but no recovery setting: a base backup of it (once it serves as the target)
   * must not carry them into the next restore.
   */
  @Test
  void aRecoveredCopyKeepsNoRecoverySettings() throws Exception {
    Path data = cluster.dataDirectory();
    carriedByTheBackup(data);
    RecoverySettings.write(data, new RestoreEnvironment("r2", tmp.toString(), data.toString(), 5998, "orders-restore-r2"),
        tmp.resolve("socket"), "cp /archive/%f %p", RecoveryTarget.time("2026-11-21T10:40:59Z"));
    PgTools.handToServerUser(data);
    Path auto = data.resolve("postgresql.auto.conf");
    String owner = Files.getOwner(auto, LinkOption.NOFOLLOW_LINKS).getName();
    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(auto));

    RecoverySettings.clear(data);

    assertEquals(owner, Files.getOwner(auto, LinkOption.NOFOLLOW_LINKS).getName(), "the owner of " + auto);
    assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(auto)), "the mode of " + auto);
    List<String> left = recoverySettingLines(Files.readString(auto));
    assertEquals(List.of(), left, Files.readString(auto));
    assertEquals("5998", setting(data, "port"));
    assertEquals("orders-restore-r2", setting(data, "cluster_name"));
    assertEquals("off", setting(data, "archive_mode"));
  }

  /**
   * What a backup of a promoted copy carries: its restore's settings (from before this fix) in
   * postgresql.auto.conf, spelled as people and tools write them, and a target in a file the
   * source's postgresql.conf includes.
   */
  static void carriedByTheBackup(Path data) throws IOException {
    Files.writeString(data.resolve("postgresql.auto.conf"), String.join("\n",
        "# Do not edit this file manually!",
        "# It will be overwritten by the ALTER SYSTEM command.",
        "track_commit_timestamp = 'on'",
        "",
        "# db-runbooks point-in-time restore r0: an isolated copy (these lines win over the above)",
        "port = 5997",
        "restore_command = 'cp /mnt/blue-archive/%f %p'",
        "recovery_target_inclusive = on",
        "recovery_target_timeline = 'latest'",
        "recovery_target_action = 'promote'",
        "recovery_target_time = '2026-11-20 08:00:00.000000+00'",
        "  Recovery_Target_Time='2026-11-20 08:00:00.000000+00' # a hand edit",
        "recovery_end_command 'rm -rf /mnt/blue-archive'",
        "archive_cleanup_command = 'pg_archivecleanup /mnt/blue-archive %r'",
        "recovery_min_apply_delay = '1h'",
        "primary_conninfo = 'host=blue password=secret'",
        "primary_slot_name = 'blue_slot'", ""));
    Files.writeString(data.resolve("postgresql.conf"), postgresqlConf + "include 'recovery.conf.source'\n");
    Files.writeString(data.resolve("recovery.conf.source"), "recovery_target_xid = '1234'\n");
    Files.deleteIfExists(data.resolve("recovery.signal"));
    PgTools.handToServerUser(data);
  }

  /** The lines of a configuration file that set a recovery setting, whatever their spelling. */
  static List<String> recoverySettingLines(String conf) {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile("^\\s*(recovery_target\\w*|restore_command|recovery_end_command"
        + "|archive_cleanup_command|recovery_min_apply_delay|primary_conninfo|primary_slot_name)\\b",
        java.util.regex.Pattern.CASE_INSENSITIVE);
    return conf.lines().filter(l -> p.matcher(l).find()).toList();
  }

  /** The value PostgreSQL would run with, from its configuration files; fails with its words if it would not start. */
  static String setting(Path data, String name) throws IOException {
    PgTools tools = PgTools.locate();
    ProcessBuilder pb = new ProcessBuilder(tools.serverCommand("postgres", List.of("-D", data.toString(), "-C", name)))
        .directory(tmp.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    try {
      if (p.waitFor() != 0) {
        throw new AssertionError("postgres -C " + name + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }

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
