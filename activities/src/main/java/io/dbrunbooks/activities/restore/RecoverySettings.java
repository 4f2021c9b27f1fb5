package io.dbrunbooks.activities.restore;

import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an unpacked base backup into an isolated cluster that recovers to a target: settings in
 * {@code postgresql.auto.conf} (read last, so they win over whatever the source configured),
 * {@code recovery.signal}, and our own {@code pg_hba.conf}.
 *
 * <p>Isolation is the point. The copy listens on 127.0.0.1 and a private socket directory only,
 * never archives (it would write a second history into the target's archive), follows no primary,
 * and carries a cluster name of its own so nobody mistakes it for the target in {@code ps} or logs.
 */
final class RecoverySettings {
  static final String WAL_FETCH_ENV = "RUNBOOKS_WAL_FETCH_COMMAND";
  static final String WAL_FETCH_MAIN = "io.dbrunbooks.activities.wal.WalFetchMain";

  private RecoverySettings() {}

  /**
   * The {@code restore_command}: the project's WAL fetch, run by the server for each file it needs.
   * {@value #WAL_FETCH_ENV}, when set, replaces the program part (e.g. {@code /usr/local/bin/runbooks
   * wal fetch}); the arguments are always {@code --targets F --target T %f %p}.
   */
  static String restoreCommand(String program, Path targetsFile, String target) {
    String fixed = program + " --targets " + shellQuote(targetsFile.toAbsolutePath().toString()) + " --target " + shellQuote(target);
    return fixed.replace("%", "%%") + " %f %p"; // PostgreSQL expands %f and %p; a literal % is %%
  }

  /**
   * {@link #restoreCommand} reading ahead into {@code spool}: a file already there (fetched,
   * checked and renamed into place by an earlier call) is moved into place by the shell alone;
   * otherwise the fetch runs, and also fills the spool with the segments that follow. One process
   * start per {@value io.dbrunbooks.activities.wal.WalFetchMain#PREFETCH_SEGMENTS} segments instead of one per segment.
   */
  static String restoreCommand(String program, Path targetsFile, String target, Path spool) {
    String dir = shellQuote(spool.toAbsolutePath().toString()).replace("%", "%%");
    return "test -f " + dir + "/%f && mv " + dir + "/%f %p || "
        + restoreCommand(program + " --prefetch " + shellQuote(spool.toAbsolutePath().toString()), targetsFile, target);
  }

  /** This JVM running WalFetchMain on its own class path; or the override. */
  static String fetchProgram(String override) {
    if (override != null && !override.isBlank()) {
      return override.strip();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // One short-lived JVM per WAL file: a small heap and the quick JIT tier start fastest.
    return shellQuote(java) + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp "
        + shellQuote(absoluteClassPath(System.getProperty("java.class.path"))) + " " + WAL_FETCH_MAIN;
  }

  /**
   * The class path with every entry absolute: PostgreSQL runs the restore_command in the restored
   * data directory, where {@code java -jar starter/target/runbooks.jar}'s relative entry means nothing.
   */
  static String absoluteClassPath(String classPath) {
    return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
        .filter(e -> !e.isBlank())
        .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  static void write(Path data, RestoreEnvironment env, Path socketDir, String restoreCommand, RecoveryTarget target)
      throws IOException {
    Path conf = data.resolve("postgresql.conf");
    if (!Files.exists(conf)) {
      // Debian-style clusters keep their configuration outside the data directory.
      Files.writeString(conf, "# written by db-runbooks: the source cluster's configuration lives outside its data directory\n");
    }
    Files.deleteIfExists(data.resolve("standby.signal"));
    Path hba = data.resolve("pg_hba.conf");
    if (Files.exists(hba)) {
      Files.move(hba, data.resolve("pg_hba.conf.source"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Files.writeString(hba, String.join("\n",
        "# written by db-runbooks for restore " + env.restoreId() + "; the source's rules are in pg_hba.conf.source",
        "# The socket directory is private to the server's OS user: checks connect through it.",
        "local all all trust",
        "host all all 127.0.0.1/32 scram-sha-256", ""));
    Files.writeString(data.resolve("pg_ident.conf"), "# written by db-runbooks\n");
    List<String> lines = new ArrayList<>(List.of(
        "",
        "# db-runbooks point-in-time restore " + env.restoreId() + ": an isolated copy (these lines win over the above)",
        "port = " + env.port(),
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = " + quote(socketDir.toString()),
        "cluster_name = " + quote(env.clusterName()),
        "archive_mode = off",
        "archive_command = ''",
        "primary_conninfo = ''",
        "primary_slot_name = ''",
        "hba_file = " + quote(hba.toString()),
        "ident_file = " + quote(data.resolve("pg_ident.conf").toString()),
        "ssl = off",
        "logging_collector = off",
        "log_destination = 'stderr'",
        "hot_standby = on",
        "restore_command = " + quote(restoreCommand),
        "recovery_target_inclusive = on",
        // Follow the archive onto later timelines (a failover after the backup), whatever the
        // source's own configuration said.
        "recovery_target_timeline = 'latest'",
        "recovery_target_action = 'promote'"));
    switch (target.kind()) {
      case TIME -> lines.add("recovery_target_time = " + quote(pgTime(target.value())));
      case LSN -> lines.add("recovery_target_lsn = " + quote(target.value().strip()));
      case NAME -> lines.add("recovery_target_name = " + quote(target.value()));
      case LATEST -> lines.add("# recovery target: the end of the archived WAL");
    }
    lines.add("");
    Files.writeString(data.resolve("postgresql.auto.conf"), String.join("\n", lines), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Files.writeString(data.resolve("recovery.signal"), "");
  }

  /** PostgreSQL reads recovery_target_time as a timestamptz, but not in ISO form with 'T' and 'Z'. */
  static String pgTime(String iso) {
    return java.time.OffsetDateTime.parse(iso.strip()).atZoneSameInstant(java.time.ZoneOffset.UTC)
        .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")) + "+00";
  }

  /** A PostgreSQL configuration string literal. */
  static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /** One POSIX shell word. */
  static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
