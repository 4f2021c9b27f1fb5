package io.dbrunbooks.starter.demo;

import io.dbrunbooks.starter.CliFailure;

import io.dbrunbooks.activities.pgbouncer.LocalPgBouncer;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** The demo's sandbox: its work directory, sample database and targets file. */
public final class DemoSandbox {
  private DemoSandbox() {}

  /** What a demo puts in its work directory; nothing else is ever deleted. */
  private static final Set<String> DEMO_ENTRIES = Set.of("schedules.yaml", "drills.html", "postgres", "pgbouncer", "temporal", "backups", "evidence", "restores",
      "keyring.json", "targets.yaml", DemoCommand.APP_PASSWORD_FILE);

  private static final String MARKER_TEXT = "created by runbooks demo; a re-run deletes this directory\n";

  /**
   * Empties {@code dir} for a fresh run. Deleting is reserved for a directory a demo created: it
   * holds {@code marker} as a regular file with the demo's text, and nothing but the demo's own
   * entries. Anything else that is not empty is refused, and so are the file system root, the home
   * directory and the current directory or its parents, whatever they hold. A PostgreSQL left
   * running by a killed {@code --keep-running} demo is stopped first.
   */
  public static void recreate(Path dir, String marker, PrintWriter out) throws IOException {
    if (Files.exists(dir)) {
      refuseDangerous(dir);
      Path markerFile = dir.resolve(marker);
      boolean ours = Files.isRegularFile(markerFile, LinkOption.NOFOLLOW_LINKS)
          && MARKER_TEXT.equals(Files.readString(markerFile));
      List<String> entries;
      try (Stream<Path> s = Files.list(dir)) {
        entries = s.map(p -> p.getFileName().toString()).sorted().toList();
      }
      if (!entries.isEmpty() && !ours) {
        throw CliFailure.usage(dir + " exists and was not created by runbooks demo; refusing to delete it. Choose another --work-dir.");
      }
      List<String> foreign = entries.stream().filter(e -> !e.equals(marker) && !DEMO_ENTRIES.contains(e)).toList();
      if (!foreign.isEmpty()) {
        throw CliFailure.usage(dir + " holds files a demo did not create (" + String.join(", ", foreign)
            + "); refusing to delete it. Move them away or choose another --work-dir.");
      }
      if (ours) {
        stopLeftovers(dir, out);
        out.println("  removing the previous demo's files");
        for (String entry : entries) {
          deleteTree(dir.resolve(entry));
        }
      }
    }
    Files.createDirectories(dir);
    refuseDangerous(dir);
    Files.writeString(dir.resolve(marker), MARKER_TEXT);
    if (isRoot()) {
      // LocalCluster runs PostgreSQL as the postgres user, who must be able to reach its directory.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    }
  }

  /** A work directory that is /, home, or the current directory (or above it) is never a sandbox. */
  private static void refuseDangerous(Path dir) throws IOException {
    Path real = dir.toRealPath();
    Path cwd = Path.of("").toRealPath();
    Path home = Path.of(System.getProperty("user.home")).toRealPath();
    if (real.getParent() == null || real.equals(home) || cwd.startsWith(real)) {
      throw CliFailure.usage("--work-dir " + dir + " is the root, home or current directory (or one of its parents);"
          + " the demo needs a directory of its own, e.g. ./.runbooks-demo");
    }
  }

  /**
   * What a killed {@code --keep-running} demo may have left running: PgBouncer, blue (the sandbox
   * cluster) and the restored clusters. Only processes named by the pid files in the demo's own
   * directories are stopped.
   */
  private static void stopLeftovers(Path dir, PrintWriter out) throws IOException {
    stopLeftoverPgBouncer(dir.resolve("pgbouncer/pgbouncer.pid"), out);
    stopLeftoverPostgres(dir.resolve("postgres/data"), out);
    Path restores = dir.resolve("restores");
    if (Files.isDirectory(restores, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(restores)) {
        for (Path restore : s.sorted().toList()) {
          stopLeftoverPostgres(restore.resolve("data"), out);
        }
      }
    }
  }

  private static void stopLeftoverPgBouncer(Path pidFile, PrintWriter out) throws IOException {
    if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Optional<ProcessHandle> p;
    try {
      p = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (NumberFormatException e) {
      return;
    }
    // A recycled pid is left alone: only a pgbouncer started with this demo's configuration is ours.
    Path ini = pidFile.resolveSibling("pgbouncer.ini");
    if (p.isEmpty() || !p.get().isAlive() || !commandLine(p.get().pid()).contains(ini.toString())) {
      return;
    }
    out.println("  stopping the PgBouncer a previous demo left running");
    p.get().destroy();
    try {
      p.get().onExit().get(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the old demo's PgBouncer", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("could not stop the PgBouncer of the previous demo (pid " + p.get().pid() + "); stop it and run"
          + " the demo again");
    }
  }

  /** The process's command line from /proc, arguments separated by spaces; empty when unreadable. */
  public static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  private static void stopLeftoverPostgres(Path data, PrintWriter out) throws IOException {
    if (!Files.exists(data.resolve("postmaster.pid"))) {
      return;
    }
    out.println("  stopping the PostgreSQL a previous demo left running in " + data);
    List<String> cmd = new ArrayList<>();
    if (isRoot()) {
      cmd.addAll(List.of("runuser", "-u", LocalCluster.SUPERUSER, "--"));
    }
    cmd.addAll(List.of(PgTools.locate().program("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
    int exit;
    try {
      exit = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the old demo cluster", e);
    }
    // pg_ctl fails when the server is already gone (a stale pid file); only a live one blocks deletion.
    if (exit != 0 && Files.exists(data.resolve("postmaster.pid")) && postmasterAlive(data)) {
      throw new IOException("could not stop the PostgreSQL of the previous demo in " + data
          + "; stop it (pg_ctl -D " + data + " stop) and run the demo again");
    }
  }

  private static boolean postmasterAlive(Path data) throws IOException {
    String first = Files.readAllLines(data.resolve("postmaster.pid")).stream().findFirst().orElse("").strip();
    try {
      return ProcessHandle.of(Long.parseLong(first)).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** A small shop: 2,000 customers, 10,000 orders, 30,000 order items. */
  public static void loadSampleData(LocalCluster cluster, String database) throws SQLException {
    cluster.createDatabase(database);
    cluster.sql(database,
        "CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE,"
            + " created_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,"
            + " status text NOT NULL, ordered_at timestamptz NOT NULL)",
        "CREATE TABLE order_items (order_id bigint NOT NULL REFERENCES orders, line int NOT NULL, sku text NOT NULL,"
            + " quantity int NOT NULL, unit_price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line))",
        "INSERT INTO customers (name, email) SELECT 'Customer ' || g, 'customer' || g || '@example.com'"
            + " FROM generate_series(1, 2000) g",
        "INSERT INTO orders (customer_id, status, ordered_at) SELECT 1 + (g * 7919) % 2000,"
            + " (ARRAY['new','paid','shipped','delivered'])[1 + g % 4], now() - g * interval '7 minutes'"
            + " FROM generate_series(1, 10000) g",
        "INSERT INTO order_items SELECT o, l, 'SKU-' || lpad(((o * 31 + l) % 500)::text, 4, '0'), 1 + (o + l) % 5,"
            + " 1 + ((o * 13 + l * 7) % 10000) / 100.0 FROM generate_series(1, 10000) o, generate_series(1, 3) l",
        "ANALYZE");
  }

  public static String rowCounts(LocalCluster cluster, String database) throws IOException {
    String counts = cluster.psql(database, "SELECT (SELECT count(*) FROM customers) || ' customers, '"
        + " || (SELECT count(*) FROM orders) || ' orders, ' || (SELECT count(*) FROM order_items) || ' order items'");
    return counts.strip();
  }

  /**
   * The application's role: LOGIN with a random SCRAM password (in {@code passwordFile}, mode 0600),
   * reading and writing the sample tables. Created before the backup, so a restored copy carries the
   * same role and verifier, and PgBouncer lets the application through to either cluster.
   */
  public static void createAppRole(LocalCluster cluster, String database, String role, Path passwordFile) throws IOException, SQLException {
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String password = HexFormat.of().formatHex(random);
    Files.writeString(passwordFile, password + "\n");
    Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    // Under root the restore_command runs as postgres and reads the targets file, whose password files
    // must all be readable to it; a no-op otherwise.
    PgTools.handToServerUser(passwordFile);
    cluster.sql(database,
        "CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + role);
  }

  /**
   * The targets file the worker and the offline commands read; passwords stay in their files. The
   * switchover settings make the demo quick: a bake of 6 s with a health check every second, and
   * blue may be removed as soon as someone approves it.
   */
  public static Path writeTargets(Path dir, String target, LocalCluster cluster, Path keyring, LocalPgBouncer pgbouncer,
      String appRole, Path appPasswordFile, String approver) throws IOException {
    Path file = dir.resolve("targets.yaml");
    Files.writeString(file, String.join("\n",
        "# written by runbooks demo",
        "targets:",
        "  " + target + ":",
        "    engine: postgres",
        "    connection:",
        "      host: 127.0.0.1",
        "      port: " + cluster.port(),
        "      database: " + target,
        "      user: " + LocalCluster.SUPERUSER,
        "      password: { file: " + cluster.passwordFile() + " }",
        "      sslmode: disable",
        "    backupStore: file:" + dir.resolve("backups"),
        "    evidence: file:" + dir.resolve("evidence"),
        "    keys: { keyring: " + keyring + " }",
        "    maxReplicationLagSeconds: 30",
        "    restore: { directory: " + dir.resolve("restores") + " }",
        "    retention: { recoveryWindowDays: 7, minFullBackups: 2 }",
        "    pgbouncer:                      # the application connects here, never to PostgreSQL itself",
        "      host: 127.0.0.1",
        "      port: " + pgbouncer.port(),
        "      sslmode: disable",
        "      admin:",
        "        user: " + LocalPgBouncer.ADMIN_USER,
        "        password: { file: " + pgbouncer.adminPasswordFile() + " }",
        "      databasesFile: " + pgbouncer.databasesFile(),
        "      database: " + target,
        "      healthCheck:",
        "        user: " + appRole,
        "        password: { file: " + appPasswordFile + " }",
        "        query: SELECT count(*) FROM order_items",
        "    switchover:                     # demo values: production keeps the defaults (bake 30 min, blue kept 7 days)",
        "      approvers: [" + approver + "]",
        "      approvalTimeoutMinutes: 10",
        "      bakeMinutes: 0.1",
        "      healthCheckIntervalSeconds: 1",
        "      keepBlueDays: 0",
        ""));
    return file;
  }

  public static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
