package io.dbrunbooks.activities.postgres;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.SecretRef;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * A throwaway PostgreSQL cluster: initdb in a directory, listening on a free 127.0.0.1 port with
 * SCRAM authentication for a superuser {@code postgres} whose random password sits in
 * {@code <dir>/pwfile}. Used by tests and by {@code runbooks demo}; never for real data.
 *
 * <p>initdb and postgres refuse to run as root, so under root the server programs run through
 * {@code runuser -u postgres} and the directory is handed to that user.
 */
public final class LocalCluster implements AutoCloseable {
  public static final String SUPERUSER = "postgres";

  private final PgTools tools;
  private final Path dir;
  private final Path data;
  private final Path pwfile;
  private final int port;
  private final String password;
  private boolean running;

  private LocalCluster(PgTools tools, Path dir, int port, String password) {
    this.tools = tools;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.pwfile = dir.resolve("pwfile");
    this.port = port;
    this.password = password;
  }

  /** initdb a new cluster in {@code dir} (created; must not hold a cluster yet) and start it. */
  public static LocalCluster start(Path dir) throws IOException {
    LocalCluster c = init(PgTools.locate(), dir, freePort());
    c.start();
    return c;
  }

  static LocalCluster init(PgTools tools, Path dir, int port) throws IOException {
    dir = dir.toAbsolutePath();
    Files.createDirectories(dir);
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String password = HexFormat.of().formatHex(random);
    LocalCluster c = new LocalCluster(tools, dir, port, password);
    Files.writeString(c.pwfile, password + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(c.pwfile, java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    if (isRoot()) {
      handToPostgres(dir);
    }
    c.server("initdb", List.of("-D", c.data.toString(), "-U", SUPERUSER, "--pwfile=" + c.pwfile,
        "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--data-checksums", "-E", "UTF8",
        "--locale=C", "--no-sync"));
    Files.writeString(c.data.resolve("pg_hba.conf"), String.join("\n",
        "# written by LocalCluster: password (SCRAM) over TCP only, replication included",
        "host all all 127.0.0.1/32 scram-sha-256",
        "host replication all 127.0.0.1/32 scram-sha-256", ""));
    Files.writeString(c.data.resolve("postgresql.conf"), String.join("\n",
        "", "# LocalCluster",
        "port = " + port,
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        "wal_level = replica",
        "max_wal_senders = 10",
        "max_replication_slots = 10",
        "hot_standby = on",
        "shared_buffers = 32MB",
        "logging_collector = off", ""), java.nio.file.StandardOpenOption.APPEND);
    return c;
  }

  /**
   * A streaming standby of this cluster in {@code dir} ({@code pg_basebackup -R}), started on its
   * own free port. It shares the primary's superuser and password, as a physical copy does.
   */
  public LocalCluster startStandby(Path dir) throws IOException {
    dir = dir.toAbsolutePath();
    Files.createDirectories(dir);
    LocalCluster standby = new LocalCluster(tools, dir, freePort(), password);
    Files.copy(pwfile, standby.pwfile);
    if (isRoot()) {
      handToPostgres(dir);
    }
    standby.server("pg_basebackup", List.of("-h", "127.0.0.1", "-p", String.valueOf(port), "-U", SUPERUSER,
        "-D", standby.data.toString(), "-R", "-X", "stream", "--checkpoint=fast", "--no-password"), password);
    Files.writeString(standby.data.resolve("postgresql.conf"), String.join("\n",
        "", "# LocalCluster standby", "port = " + standby.port, "cluster_name = 'standby-" + standby.port + "'", ""),
        java.nio.file.StandardOpenOption.APPEND);
    standby.start();
    return standby;
  }

  public void start() throws IOException {
    server("pg_ctl", List.of("-D", data.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-t", "60", "start"));
    running = true;
  }

  public void stop() throws IOException {
    if (running) {
      server("pg_ctl", List.of("-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"));
      running = false;
    }
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  public int port() {
    return port;
  }

  public Path dataDirectory() {
    return data;
  }

  public Path directory() {
    return dir;
  }

  /** The superuser's password file, usable as a {@link SecretRef}. */
  public Path passwordFile() {
    return pwfile;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A connection description for a targets file, with the password read from {@link #passwordFile()}. */
  public PostgresConnection connection(String database) {
    return new PostgresConnection("127.0.0.1", port, database, SUPERUSER, new SecretRef(null, pwfile.toString()), "disable");
  }

  public Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", SUPERUSER);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(jdbcUrl(database), p);
  }

  /** Runs each statement in its own autocommit transaction. */
  public void sql(String database, String... statements) throws SQLException {
    try (Connection c = connect(database); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  public void createDatabase(String name) throws SQLException {
    sql("postgres", "CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
  }

  /** Runs psql with {@code -v ON_ERROR_STOP=1 -c sql}; returns its stdout. */
  public String psql(String database, String sql) throws IOException {
    PgTools.Result r = tools.run("psql", List.of("-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
        "-p", String.valueOf(port), "-U", SUPERUSER, "-d", database, "-c", sql), password);
    if (r.exitCode() != 0) {
      throw new IOException("psql failed: " + r.stderr().strip());
    }
    return r.stdout();
  }

  private void server(String tool, List<String> args) throws IOException {
    server(tool, args, null);
  }

  /** Runs a server-side program, as the postgres user when we are root; runuser keeps PGPASSWORD. */
  private void server(String tool, List<String> args, String pgPassword) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(tools.serverCommand(tool, args)).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("PGPASSWORD");
    if (pgPassword != null) {
      pb.environment().put("PGPASSWORD", pgPassword);
    }
    Process p = pb.start();
    byte[] out = PgTools.readBounded(p.getInputStream(), 64 * 1024);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(tool + " failed (exit " + p.exitValue() + ") for " + data + ":\n"
            + new String(out, StandardCharsets.UTF_8).strip() + logTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + tool, e);
    }
  }

  private String logTail() {
    Path log = dir.resolve("postgres.log");
    try {
      if (Files.exists(log)) {
        List<String> lines = Files.readAllLines(log);
        return "\nserver log (" + log + "):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
      }
    } catch (IOException ignored) {
      // the log is only a courtesy here
    }
    return "";
  }

  static boolean isRoot() {
    return PgTools.runningAsRoot();
  }

  private static void handToPostgres(Path dir) throws IOException {
    PgTools.handToServerUser(dir);
  }

  /** A port on 127.0.0.1 free right now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
