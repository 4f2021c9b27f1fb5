package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.config.PgBouncerConfig;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An admin-console session read and driven for one alias: turns SHOW output into a {@link
 * PoolState} and console errors into {@link PgBouncerFailures} that say where to look.
 */
final class AliasConsole implements AutoCloseable {
  private final PgBouncerAdmin session;
  private final PgBouncerConfig cfg;
  private final String alias;
  private final DatabasesFile file;

  private AliasConsole(PgBouncerAdmin session, PgBouncerConfig cfg, DatabasesFile file) {
    this.session = session;
    this.cfg = cfg;
    this.alias = cfg.database();
    this.file = file;
  }

  /** @param socketTimeoutSeconds 0 for a session that may wait in PAUSE as long as its caller lets it */
  static AliasConsole open(PgBouncerConfig cfg, DatabasesFile file, int socketTimeoutSeconds) {
    String password = PgBouncerFailures.secret(cfg.admin().password(), "PgBouncer admin password");
    return new AliasConsole(PgBouncerAdmin.connect(cfg, password, socketTimeoutSeconds), cfg, file);
  }

  PoolState state() {
    Map<String, String> db = databaseRow();
    Backend configured;
    try {
      configured = file.read(alias).backend();
    } catch (IOException e) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, e.getMessage());
    }
    int clActive = 0;
    int clWaiting = 0;
    int svActive = 0;
    int svIdle = 0;
    for (Map<String, String> pool : rows("POOLS")) {
      if (alias.equals(pool.get("database"))) {
        clActive += num(pool, "cl_active");
        clWaiting += num(pool, "cl_waiting");
        svActive += num(pool, "sv_active");
        svIdle += num(pool, "sv_idle") + num(pool, "sv_used") + num(pool, "sv_tested") + num(pool, "sv_login");
      }
    }
    List<String> servers = List.copyOf(rows("SERVERS").stream()
        .filter(s -> alias.equals(s.get("database")))
        .map(s -> s.get("addr") + ":" + s.get("port"))
        .collect(Collectors.toCollection(TreeSet::new)));
    Map<String, String> config = rows("CONFIG").stream()
        .collect(Collectors.toMap(r -> r.get("key"), r -> String.valueOf(r.get("value")), (a, b) -> a));
    String poolMode = db.get("pool_mode") == null || db.get("pool_mode").isEmpty() ? config.get("pool_mode") : db.get("pool_mode");
    String loginRetry = config.getOrDefault("server_login_retry", "0");
    double loginRetrySeconds = loginRetry.matches("\\d+(\\.\\d+)?") ? Double.parseDouble(loginRetry) : 0;
    return new PoolState(alias, running(db), configured, "1".equals(db.get("paused")), "1".equals(db.get("disabled")),
        clActive, clWaiting, svActive, svIdle, servers, poolMode, loginRetrySeconds);
  }

  /** Every alias PgBouncer runs with now ({@code SHOW DATABASES}), its own admin database left out. */
  List<AliasRoute> routes() {
    return rows("DATABASES").stream()
        .filter(r -> !("pgbouncer".equals(r.get("name")) && "pgbouncer".equals(r.get("database"))))
        .filter(r -> r.get("port") != null && r.get("port").matches("\\d+"))
        .map(r -> new AliasRoute(r.get("name"), r.get("host") == null || r.get("host").isEmpty() ? null : r.get("host"),
            Integer.parseInt(r.get("port")), "running"))
        .toList();
  }

  /** Where PgBouncer sends the alias now ({@code SHOW DATABASES}). */
  Backend running() {
    return running(databaseRow());
  }

  /** True once the alias has a server connection that finished logging in. */
  boolean hasServerConnection() {
    return rows("SERVERS").stream().anyMatch(sv -> alias.equals(sv.get("database"))
        && List.of("active", "idle", "used", "tested").contains(sv.get("state")));
  }

  /** Who keeps PAUSE waiting: clients linked to a server connection, i.e. inside a transaction. */
  String openTransactions() {
    try {
      List<String> holders = session.show("CLIENTS").stream()
          .filter(c -> alias.equals(c.get("database")) && c.get("link") != null && !c.get("link").isEmpty())
          .map(c -> c.get("user") + "@" + c.get("addr") + ":" + c.get("port")
              + (c.get("application_name") == null || c.get("application_name").isEmpty() ? "" : " (" + c.get("application_name") + ")")
              + " in a transaction since " + c.get("request_time"))
          .toList();
      if (holders.isEmpty()) {
        return "no client held a transaction open any more when the wait ran out";
      }
      return holders.size() + " transaction(s) still open through PgBouncer: "
          + String.join("; ", holders.subList(0, Math.min(5, holders.size()))) + (holders.size() > 5 ? "; ..." : "");
    } catch (SQLException e) {
      return "transactions still open (SHOW CLIENTS failed: " + e.getMessage() + ")";
    }
  }

  /** A command whose refusal means the console is not usable (RELOAD, SHOW...). */
  void run(String command) {
    try {
      session.command(command);
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, command + " on PgBouncer at " + where() + " failed: "
          + e.getMessage());
    }
  }

  /** A command about the alias ({@code PAUSE}, {@code RESUME}), whose errors the caller reads. */
  void aliasCommand(String verb) throws SQLException {
    session.command(verb + " " + quotedAlias());
  }

  /** A runtime setting; the caller decides what a refusal means. */
  void set(String key, String value) throws SQLException {
    session.command("SET " + key + " = " + value);
  }

  /** Drops the session at once, also while another thread waits in PAUSE on it. */
  void abort() {
    session.abort();
  }

  @Override
  public void close() {
    session.close();
  }

  private Map<String, String> databaseRow() {
    return rows("DATABASES").stream().filter(r -> alias.equals(r.get("name"))).findFirst()
        .orElseThrow(() -> PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "PgBouncer at " + where()
            + " has no database '" + alias + "' (SHOW DATABASES): add it to " + file.path()
            + ", make pgbouncer.ini %include that file, and RELOAD"));
  }

  private Backend running(Map<String, String> db) {
    String host = db.get("host");
    if (host == null || host.isEmpty() || host.startsWith("/")) {
      throw PgBouncerFailures.nonRetryable(PgBouncerFailures.MISCONFIGURED, "PgBouncer reaches database '" + alias
          + "' through a Unix socket; a switchover needs host=<address> on its line in " + file.path());
    }
    return new Backend(host, Integer.parseInt(db.get("port")), db.get("database"));
  }

  private List<Map<String, String>> rows(String what) {
    try {
      return session.show(what);
    } catch (SQLException e) {
      throw PgBouncerFailures.retryable(PgBouncerFailures.UNREACHABLE, "SHOW " + what + " on PgBouncer at " + where()
          + " failed: " + e.getMessage());
    }
  }

  /** The admin console takes {@code [0-9a-z_]+} bare and anything else in double quotes. */
  private String quotedAlias() {
    return alias.matches("[0-9a-z_]+") ? alias : "\"" + alias.replace("\"", "\"\"") + "\"";
  }

  private String where() {
    return cfg.host() + ":" + cfg.port();
  }

  private static int num(Map<String, String> row, String column) {
    String v = row.get(column);
    return v == null ? 0 : Integer.parseInt(v);
  }
}
