package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.postgres.PgTools;
import io.dbrunbooks.workflows.restore.RestoreChecks;
import io.dbrunbooks.workflows.restore.RestoreChecks.AmcheckResult;
import io.dbrunbooks.workflows.restore.RestoreChecks.SmokeResult;
import io.dbrunbooks.workflows.restore.RestoreChecks.TableRows;
import io.dbrunbooks.workflows.restore.SmokeQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks a person would run on a restored copy before trusting it: {@code pg_amcheck} over
 * every database (heap and B-tree indexes, heapallindexed), the exact row count of every user
 * table, and the request's smoke queries with their rows. Everything runs as the cluster's
 * bootstrap superuser through the private socket.
 */
final class RestoreChecker {
  /** Rows kept per smoke query: enough to show, small enough for a workflow history. */
  static final int SMOKE_ROWS = 50;

  private final PgTools tools;
  private final RestoredServer server;
  private final String superuser;
  private final PgTools.CurrentChild child;

  RestoreChecker(PgTools tools, RestoredServer server, String superuser, PgTools.CurrentChild child) {
    this.tools = tools;
    this.server = server;
    this.superuser = superuser;
    this.child = child;
  }

  RestoreChecks run(List<SmokeQuery> smoke, String defaultDatabase) throws IOException {
    List<String> databases = lines(query("postgres",
        "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1"));
    return new RestoreChecks(amcheck(databases), rowCounts(databases), smoke(smoke, defaultDatabase));
  }

  /** Every database, installing the amcheck extension where missing (the copy is throwaway). */
  private AmcheckResult amcheck(List<String> databases) throws IOException {
    List<String> args = new ArrayList<>(server.connectArgs(superuser));
    args.addAll(List.of("--all", "--heapallindexed", "--install-missing", "--no-password"));
    PgTools.Result r = tools.run("pg_amcheck", args, null, child::track);
    String out = (r.stdout() + r.stderr()).strip();
    if (r.exitCode() == 0) {
      return new AmcheckResult(true, databases, "no corruption found in " + databases.size() + " database(s)");
    }
    String[] lines = out.split("\n");
    return new AmcheckResult(false, databases, "exit " + r.exitCode() + ": "
        + String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 20), lines.length)));
  }

  /** Exact counts, one query per database; partitioned parents are left out, their partitions are counted. */
  private List<TableRows> rowCounts(List<String> databases) throws IOException {
    List<TableRows> counts = new ArrayList<>();
    for (String db : databases) {
      String out = query(db, "SELECT format('%I.%I', n.nspname, c.relname), (xpath('/row/c/text()', query_to_xml("
          + "format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint"
          + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'"
          + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1");
      for (String line : lines(out)) {
        String[] f = line.split("\t");
        counts.add(new TableRows(db, f[0], Long.parseLong(f[1])));
      }
    }
    return counts;
  }

  private List<SmokeResult> smoke(List<SmokeQuery> queries, String defaultDatabase) throws IOException {
    List<SmokeResult> results = new ArrayList<>();
    for (SmokeQuery q : queries) {
      String db = q.database() == null || q.database().isBlank() ? defaultDatabase : q.database();
      String name = q.name() == null || q.name().isBlank() ? q.sql().strip() : q.name();
      PgTools.Result r = server.psqlCsv(superuser, db, q.sql(), child::track);
      if (r.exitCode() != 0) {
        results.add(new SmokeResult(name, db, q.sql(), false, List.of(), List.of(), r.stderr().strip()));
        continue;
      }
      List<List<String>> rows = Csv.parse(r.stdout());
      List<String> columns = rows.isEmpty() ? List.of() : rows.get(0);
      List<List<String>> data = rows.size() <= 1 ? List.of() : rows.subList(1, Math.min(rows.size(), SMOKE_ROWS + 1));
      results.add(new SmokeResult(name, db, q.sql(), true, columns, List.copyOf(data), null));
    }
    return results;
  }

  private String query(String db, String sql) throws IOException {
    PgTools.Result r = server.psql(superuser, db, sql, child::track);
    if (r.exitCode() != 0) {
      throw new IOException("psql in database " + db + " failed: " + r.stderr().strip());
    }
    return r.stdout();
  }

  private static List<String> lines(String out) {
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  /** RFC 4180 as psql --csv writes it: quoted fields may hold commas, quotes ("") and newlines. */
  static final class Csv {
    private Csv() {}

    static List<List<String>> parse(String text) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          row.add(field.toString());
          field.setLength(0);
        } else if (c == '\n') {
          row.add(field.toString());
          field.setLength(0);
          rows.add(List.copyOf(row));
          row.clear();
        } else if (c != '\r') {
          field.append(c);
        }
      }
      if (field.length() > 0 || !row.isEmpty()) {
        row.add(field.toString());
        rows.add(List.copyOf(row));
      }
      return rows;
    }
  }
}
