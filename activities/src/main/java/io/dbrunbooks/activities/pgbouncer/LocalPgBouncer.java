package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PgBouncer ({@code /usr/sbin/pgbouncer}, or {@code PGBOUNCER}) on a free 127.0.0.1
 * port, for the demo and the tests, configured the way {@link PgBouncerSwitch} expects a production
 * one:
 *
 * <ul>
 *   <li>{@code [databases]} in its own file, {@code %include}d by pgbouncer.ini, so the switch
 *       rewrites only that file;
 *   <li>{@code pool_mode = transaction}: PAUSE then waits for transactions in flight, not for
 *       clients to disconnect as it would under session pooling, so clients stay connected through
 *       a switch;
 *   <li>{@code auth_type = scram-sha-256} with SCRAM verifiers copied from the backend's
 *       {@code pg_authid} in the auth_file: PgBouncer checks the client and then logs in to the
 *       server with the client's own SCRAM keys, so it never holds an application password. Blue
 *       and green must carry the same verifier, as a restored copy of a cluster does;
 *   <li>an admin user ({@link #ADMIN_USER}, listed in {@code admin_users}) with a random password
 *       in the auth_file and in {@link #adminPasswordFile()};
 *   <li>{@code ignore_startup_parameters = extra_float_digits}, which every JDBC client needs.
 * </ul>
 *
 * <p>{@code server_login_retry} keeps PgBouncer's default of 15 s on purpose: a switch must not
 * stall clients for it (see {@link PgBouncerSwitch}).
 *
 * <p>PgBouncer refuses to run as root, so under root it runs as {@code postgres} through runuser,
 * like {@link LocalCluster}, and its directory is handed to that user.
 */
public final class LocalPgBouncer implements AutoCloseable {
  public static final String ADMIN_USER = "runbooks_admin";

  private final Path dir;
  private final int port;
  private final Process process;

  private LocalPgBouncer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Writes the configuration into {@code dir} (created) and starts PgBouncer.
   *
   * @param databases alias to backend, in file order
   * @param roles user name to auth_file secret, e.g. {@link #scramSecret(LocalCluster, String)}
   */
  public static LocalPgBouncer start(Path dir, Map<String, Backend> databases, Map<String, String> roles) throws IOException {
    dir = dir.toAbsolutePath();
    Files.createDirectories(dir);
    int port = LocalCluster.freePort();
    List<String> dbLines = new ArrayList<>(List.of("; written by LocalPgBouncer; rewritten by PgBouncerSwitch", "[databases]"));
    databases.forEach((alias, b) -> dbLines.add(alias + " = host=" + b.host() + " port=" + b.port() + " dbname=" + b.dbname()));
    Files.write(dir.resolve("databases.ini"), dbLines, StandardCharsets.UTF_8);

    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String adminPassword = HexFormat.of().formatHex(random);
    Files.writeString(dir.resolve("admin-password"), adminPassword + "\n");
    List<String> users = new ArrayList<>();
    users.add(quote(ADMIN_USER) + " " + quote(adminPassword));
    roles.forEach((user, secret) -> users.add(quote(user) + " " + quote(secret)));
    Files.write(dir.resolve("userlist.txt"), users, StandardCharsets.UTF_8);
    for (String secretFile : List.of("admin-password", "userlist.txt")) {
      Files.setPosixFilePermissions(dir.resolve(secretFile), PosixFilePermissions.fromString("rw-------"));
    }
    Files.write(dir.resolve("pgbouncer.ini"), List.of(
        "; written by LocalPgBouncer",
        "%include " + dir.resolve("databases.ini"),
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        "listen_port = " + port,
        "unix_socket_dir =",
        "auth_type = scram-sha-256",
        "auth_file = " + dir.resolve("userlist.txt"),
        "admin_users = " + ADMIN_USER,
        "pool_mode = transaction",
        "max_client_conn = 200",
        "default_pool_size = 20",
        "ignore_startup_parameters = extra_float_digits",
        "logfile = " + dir.resolve("pgbouncer.log"),
        "pidfile = " + dir.resolve("pgbouncer.pid"),
        ""), StandardCharsets.UTF_8);
    PgTools.handToServerUser(dir);

    if (!installed()) {
      throw new IOException("no pgbouncer at " + program() + ": install it (apt-get install pgbouncer) or set PGBOUNCER");
    }
    List<String> cmd = PgTools.asServerUser(List.of(program().toString(), dir.resolve("pgbouncer.ini").toString()));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("pgbouncer.out").toFile()).start();
    LocalPgBouncer f = new LocalPgBouncer(dir, port, p);
    f.awaitListening();
    return f;
  }

  /** The role's SCRAM verifier from the cluster's pg_authid, as PgBouncer's auth_file takes it. */
  public static String scramSecret(LocalCluster cluster, String role) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '" + role.replace("'", "''") + "'")) {
      if (!r.next() || r.getString(1) == null || !r.getString(1).startsWith("SCRAM-SHA-256$")) {
        throw new SQLException("role " + role + " has no SCRAM password on port " + cluster.port());
      }
      return r.getString(1);
    }
  }

  public int port() {
    return port;
  }

  public Path databasesFile() {
    return dir.resolve("databases.ini");
  }

  public Path adminPasswordFile() {
    return dir.resolve("admin-password");
  }

  /** How a target would describe this PgBouncer, health-checked as {@code user}. */
  public PgBouncerConfig config(String alias, String user, SecretRef password, String healthQuery) {
    return new PgBouncerConfig("127.0.0.1", port, "disable",
        new PgBouncerConfig.Login(ADMIN_USER, new SecretRef(null, adminPasswordFile().toString())),
        databasesFile().toString(), alias, PgBouncerConfig.DEFAULT_PAUSE_TIMEOUT_SECONDS,
        new PgBouncerConfig.HealthCheck(user, password, healthQuery));
  }

  public String jdbcUrl(String alias) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + alias;
  }

  /** The last lines of PgBouncer's log, for assertion messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("pgbouncer.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no pgbouncer.log: " + e.getMessage() + ")";
    }
  }

  /** Stops PgBouncer at once (SIGTERM to pgbouncer itself, not to runuser in front of it). */
  @Override
  public void close() throws IOException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        PgTools.killTree(process);
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      PgTools.killTree(process);
      Thread.currentThread().interrupt();
    }
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("pgbouncer exited with " + process.exitValue() + ":\n" + output() + "\n" + logTail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for pgbouncer", e);
        }
      }
    }
    close();
    throw new IOException("pgbouncer did not listen on 127.0.0.1:" + port + " within 15 s:\n" + output() + "\n" + logTail());
  }

  private String output() {
    try {
      return Files.readString(dir.resolve("pgbouncer.out"));
    } catch (IOException e) {
      return "";
    }
  }

  /** The pgbouncer binary: {@code PGBOUNCER}, else {@code /usr/sbin/pgbouncer} (Debian's package). */
  public static Path program() {
    String env = System.getenv("PGBOUNCER");
    return Path.of(env != null && !env.isBlank() ? env : "/usr/sbin/pgbouncer");
  }

  /** True when {@link #program()} can be run. */
  public static boolean installed() {
    return Files.isExecutable(program());
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
