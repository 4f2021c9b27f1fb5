package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.files.ReplacedFile;
import io.dbrunbooks.workflows.restore.RecoveryTarget;
import io.dbrunbooks.workflows.restore.RestoreEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an unpacked base backup into an isolated cluster that recovers to a target: settings in
 * {@code postgresql.auto.conf} (read last, so they win over whatever the source configured),
 * {@code recovery.signal}, and our own {@code pg_hba.conf}. The recovery settings the backup
 * carried in that file are removed first, and once the copy has recovered its own are removed too
 * ({@link #clear}): a backup of a promoted copy must restore like any other.
 *
 * <p>Isolation is the point. The copy listens on 127.0.0.1 and a private socket directory only,
 * never archives (it would write a second history into the target's archive), follows no primary,
 * and carries a cluster name of its own so nobody mistakes it for the target in {@code ps} or logs.
 */
final class RecoverySettings {
  static final String WAL_FETCH_ENV = "RUNBOOKS_WAL_FETCH_COMMAND";
  static final String WAL_FETCH_MAIN = "io.dbrunbooks.activities.wal.WalFetchMain";

  static final String AUTO_CONF = "postgresql.auto.conf";

  /** Every setting PostgreSQL reads as a recovery target; at most one may be set, or the server does not start. */
  static final List<String> TARGETS = List.of("recovery_target", "recovery_target_lsn", "recovery_target_name",
      "recovery_target_time", "recovery_target_xid");

  /**
   * What steers a recovery (or a standby), which a base backup may carry in its {@code
   * postgresql.auto.conf}: the settings of a promoted copy's own restore, {@code pg_basebackup -R}'s
   * {@code primary_conninfo} (with its password, perhaps), a hand edit. A restore removes them all
   * and writes its own; a recovered copy keeps none. {@code promote_trigger_file} (PostgreSQL 15
   * and older) is only removed: PostgreSQL 16 no longer knows it.
   */
  static final java.util.Set<String> RECOVERY = java.util.Set.copyOf(java.util.stream.Stream.concat(TARGETS.stream(),
      java.util.stream.Stream.of("recovery_target_inclusive", "recovery_target_timeline", "recovery_target_action",
          "restore_command", "recovery_end_command", "archive_cleanup_command", "recovery_min_apply_delay",
          "primary_conninfo", "primary_slot_name", "promote_trigger_file")).toList());

  /** A configuration line's parameter name: {@code name = value} or {@code name value}, perhaps indented. */
  private static final Pattern SETTING = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_$.]*)\\s*(=|\\s|$)");

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
    Path auto = data.resolve(AUTO_CONF);
    Kept carried = withoutRecoverySettings(Files.exists(auto) ? Files.readString(auto) : "");
    List<String> lines = new ArrayList<>(carried.lines());
    if (!carried.removed().isEmpty()) {
      lines.add("# db-runbooks removed the recovery settings the base backup carried (" + String.join(", ", carried.removed())
          + "): this restore's own, below, are the only ones");
    }
    lines.addAll(List.of(
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
        // The source's commands must never run against its own archive from a copy; a delayed
        // standby's apply delay would hold back the replay of every commit.
        "recovery_end_command = ''",
        "archive_cleanup_command = ''",
        "recovery_min_apply_delay = 0",
        "recovery_target_inclusive = on",
        // Follow the archive onto later timelines (a failover after the backup), whatever the
        // source's own configuration said.
        "recovery_target_timeline = 'latest'",
        "recovery_target_action = 'promote'"));
    String ours = switch (target.kind()) {
      case TIME -> "recovery_target_time = " + quote(pgTime(target.value()));
      case LSN -> "recovery_target_lsn = " + quote(target.value().strip());
      case NAME -> "recovery_target_name = " + quote(target.value());
      case LATEST -> null; // the end of the archived WAL
    };
    // PostgreSQL refuses a second target, and this file is read last: every other target is set
    // empty here, so one in postgresql.conf or a file it includes cannot combine with ours. Empty
    // ones first: settings apply in the order of their last line, and an empty target applied
    // after ours would count as a second (PostgreSQL 15).
    for (String name : TARGETS) {
      if (ours == null || !ours.startsWith(name + " ")) {
        lines.add(name + " = ''");
      }
    }
    if (ours != null) {
      lines.add(ours);
    }
    lines.add("");
    ReplacedFile.replace(auto, String.join("\n", lines));
    Files.writeString(data.resolve("recovery.signal"), "");
  }

  /**
   * Removes the recovery settings from a recovered copy's {@code postgresql.auto.conf} and keeps
   * the rest (port, socket, cluster name: the copy's own). After the promotion the server no longer
   * reads them, but a base backup copies the file: once the copy serves as the target, every later
   * restore from its backups would carry this restore's target into its own. Idempotent. The
   * server keeps its values until a restart; the {@code recovery_target_*} ones cannot change
   * without one, so a reload logs that they "cannot be changed without restarting the server",
   * which is harmless: they are inert once promoted.
   */
  static void clear(Path data) throws IOException {
    Path auto = data.resolve(AUTO_CONF);
    if (!Files.exists(auto)) {
      return;
    }
    Kept kept = withoutRecoverySettings(Files.readString(auto));
    if (kept.removed().isEmpty()) {
      return;
    }
    List<String> lines = new ArrayList<>(kept.lines());
    lines.add("# db-runbooks removed the recovery settings (" + String.join(", ", kept.removed()) + ") once recovery had"
        + " finished, so that a base backup of this copy does not carry them into a later restore");
    lines.add("");
    ReplacedFile.replace(auto, String.join("\n", lines));
  }

  /** The lines of a configuration file without those setting a recovery setting, and the names removed. */
  record Kept(List<String> lines, List<String> removed) {}

  /**
   * Drops every line that sets a {@link #RECOVERY} setting, however it is spelled ({@code name =
   * 'v'}, {@code name 'v'}, any case, indented), and the comment this class writes for {@code
   * latest}. Trailing empty lines go too, so repeated restores do not grow the file.
   */
  static Kept withoutRecoverySettings(String conf) {
    List<String> kept = new ArrayList<>();
    java.util.Set<String> removed = new java.util.TreeSet<>();
    for (String line : conf.split("\n", -1)) {
      Matcher m = SETTING.matcher(line);
      if (m.find() && RECOVERY.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
        removed.add(m.group(1).toLowerCase(java.util.Locale.ROOT));
      } else if (!line.equals("# recovery target: the end of the archived WAL")) {
        kept.add(line);
      }
    }
    while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
      kept.remove(kept.size() - 1);
    }
    return new Kept(kept, List.copyOf(removed));
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
