package io.dbrunbooks.workflows.restore;

import java.util.List;

/**
 * What was checked on the restored cluster.
 *
 * @param amcheck {@code pg_amcheck} over every database, heap and indexes (heapallindexed)
 * @param rowCounts exact {@code count(*)} of every user table of every database
 * @param smoke the request's smoke queries with their rows
 */
public record RestoreChecks(AmcheckResult amcheck, List<TableRows> rowCounts, List<SmokeResult> smoke) {

  /** True when amcheck found nothing and every smoke query ran. */
  public boolean passed() {
    return amcheck.ok() && smoke.stream().allMatch(SmokeResult::ok);
  }

  /** One line per failed check, for the failure message. */
  public List<String> failures() {
    java.util.ArrayList<String> f = new java.util.ArrayList<>();
    if (!amcheck.ok()) {
      f.add("pg_amcheck: " + amcheck.output());
    }
    for (SmokeResult s : smoke) {
      if (!s.ok()) {
        f.add("smoke query '" + s.name() + "' in " + s.database() + ": " + s.error());
      }
    }
    return f;
  }

  /** @param output the tool's last lines when it failed, a summary when not */
  public record AmcheckResult(boolean ok, List<String> databases, String output) {}

  public record TableRows(String database, String table, long rows) {}

  public record SmokeResult(
      String name, String database, String sql, boolean ok, List<String> columns, List<List<String>> rows, String error) {}
}
