package io.dbrunbooks.activities.pgbouncer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PgTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgbench writing through PgBouncer, each transaction recording in table {@code landed} the port of
 * the server that ran it: the rows say where traffic went and that none was lost or doubled.
 * Backends need the pgbench tables and {@link #TABLE}.
 */
public final class LandedLoad {
  public static final String TABLE = "CREATE TABLE landed (id bigserial PRIMARY KEY, client int, port int)";

  private final LocalPgBouncer pgbouncer;
  private final String database;
  private final String user;
  private final String password;
  private final Path script;

  /** Writes the pgbench script into {@code dir}. */
  public LandedLoad(Path dir, LocalPgBouncer pgbouncer, String database, String user, String password) throws IOException {
    this.pgbouncer = pgbouncer;
    this.database = database;
    this.user = user;
    this.password = password;
    this.script = dir.resolve("landed.sql");
    Files.writeString(script, String.join("\n",
        "\\set aid random(1, 100000)",
        "\\set delta random(-5000, 5000)",
        "BEGIN;",
        "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
        "INSERT INTO landed (client, port) VALUES (:client_id, inet_server_port());",
        "END;", ""));
  }

  /** pgbench through PgBouncer for {@code seconds}. */
  public CompletableFuture<PgTools.Result> pgbench(int clients, int seconds) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return PgTools.locate().run("pgbench", List.of("-h", "127.0.0.1", "-p", String.valueOf(pgbouncer.port()), "-U", user,
            "-c", String.valueOf(clients), "-j", "2", "-T", String.valueOf(seconds), "-n", "-f", script.toString(), database), password);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  public static long processed(PgTools.Result bench) {
    Matcher m = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(bench.stdout());
    assertTrue(m.find(), bench.stdout());
    return Long.parseLong(m.group(1));
  }

  /** Waits until {@code clients} distinct pgbench clients have a row with id > afterId on the cluster. */
  public void awaitClients(LocalCluster c, long afterId, int clients) throws InterruptedException {
    await(() -> count(c, "id > " + afterId, "count(DISTINCT client)") >= clients,
        clients + " clients to land on port " + c.port() + " after row " + afterId);
  }

  public void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "\n" + pgbouncer.logTail());
      }
      Thread.sleep(50);
    }
  }

  public long count(LocalCluster c, String where) {
    return count(c, where, "count(*)");
  }

  public long count(LocalCluster c, String where, String expr) {
    try (Connection conn = c.connect(database); Statement s = conn.createStatement();
        ResultSet r = s.executeQuery("SELECT " + expr + " FROM landed WHERE " + where)) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public long maxId(LocalCluster c) {
    return count(c, "true", "coalesce(max(id), 0)");
  }
}
