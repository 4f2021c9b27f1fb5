package io.dbrunbooks.starter.drills;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The drill report as one self-contained HTML page: the RTO and RPO trends as inline SVG charts
 * (objectives drawn as dashed lines, one circle per drill carrying its figures in data attributes),
 * then one table row per drill with its evidence verdict. No script, no external resource: it opens
 * from a mail attachment or an artifact store as it is.
 */
final class DrillReportPage {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 220;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 20;
  private static final int BOTTOM = 30;

  private DrillReportPage() {}

  static String render(String target, List<DrillRecord> drills, String generatedAt) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Restore drills of ").append(esc(target))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
            + "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}.pass{color:#1a7f37}.fail{color:#cf222e}"
            + "svg{border:1px solid #ddd;margin-bottom:1em}</style></head><body>\n");
    long passed = drills.stream().filter(DrillRecord::passed).count();
    h.append("<h1>Restore drills of ").append(esc(target)).append("</h1>\n<p>").append(drills.size()).append(" drill(s), ")
        .append(passed).append(" passed; generated ").append(esc(generatedAt))
        .append(". Every row is read from its sealed manifest and its evidence verified offline.</p>\n");
    h.append("<h2>RTO (seconds)</h2>\n");
    chart(h, "rto", drills, DrillRecord::rtoSeconds, DrillRecord::rtoObjectiveSeconds);
    h.append("<h2>RPO (seconds)</h2>\n");
    chart(h, "rpo", drills, DrillRecord::rpoSeconds, DrillRecord::rpoObjectiveSeconds);
    h.append("<h2>Drills</h2>\n<table id=\"drills\"><tr><th>started</th><th>drill</th><th>scenario</th><th>backup</th><th>verdict</th>"
        + "<th>RTO s</th><th>RPO s</th><th>RPO bytes</th><th>objectives (RTO/RPO s)</th><th>copy</th><th>evidence</th></tr>\n");
    for (DrillRecord d : drills) {
      h.append("<tr class=\"drill\" data-drill-id=\"").append(esc(d.drillId())).append("\"><td>").append(esc(d.startedAt()))
          .append("</td><td>").append(esc(d.drillId())).append("</td><td>").append(esc(d.scenario())).append("</td><td>")
          .append(esc(d.backupId())).append("</td><td class=\"").append(d.passed() ? "pass\">passed" : "fail\">" + esc(d.outcome())
              + (d.failures().isEmpty() ? "" : ": " + esc(String.join("; ", d.failures()))))
          .append("</td><td>").append(num(d.rtoSeconds(), 1)).append("</td><td>").append(num(d.rpoSeconds(), 3)).append("</td><td>")
          .append(d.rpoBytes() == null ? "" : d.rpoBytes()).append("</td><td>").append(num(d.rtoObjectiveSeconds(), 0)).append(" / ")
          .append(num(d.rpoObjectiveSeconds(), 0)).append(d.environment() == null ? "" : " (" + esc(d.environment()) + ")")
          .append("</td><td>").append(esc(d.cleanup())).append("</td><td class=\"").append(d.evidenceOk() ? "pass\">✓ " : "fail\">✗ ")
          .append(esc(String.join("; ", d.evidence()))).append("</td></tr>\n");
    }
    return h.append("</table>\n</body></html>\n").toString();
  }

  /** A line chart of {@code value} per drill in order, with the objective as a dashed line; drills without a value are skipped. */
  private static void chart(StringBuilder h, String kind, List<DrillRecord> drills, Function<DrillRecord, Double> value,
      Function<DrillRecord, Double> objective) {
    double highest = 0;
    double goal = 0;
    for (DrillRecord d : drills) {
      highest = Math.max(highest, value.apply(d) == null ? 0 : value.apply(d));
      goal = Math.max(goal, objective.apply(d) == null ? 0 : objective.apply(d));
    }
    // An objective far above every figure would flatten the trend into the axis: then the scale
    // follows the figures and the objective is marked at the top edge, labelled as above the chart.
    boolean objectiveAbove = highest > 0 && goal > highest * 5;
    double max = objectiveAbove ? highest * 1.25 : Math.max(highest, goal) * 1.1;
    max = max <= 0 ? 1 : max;
    int n = drills.size();
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    h.append("<svg id=\"").append(kind).append("-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
        .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("\">\n");
    h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n", LEFT, HEIGHT - BOTTOM,
        WIDTH - RIGHT, HEIGHT - BOTTOM));
    h.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%s</text><text x=\"4\" y=\"%d\" font-size=\"11\">0</text>%n",
        TOP + 4, num(max, 1), HEIGHT - BOTTOM));
    StringBuilder line = new StringBuilder();
    StringBuilder points = new StringBuilder();
    Double lastObjective = null;
    for (int i = 0; i < n; i++) {
      DrillRecord d = drills.get(i);
      double x = LEFT + (n == 1 ? plotW / 2 : plotW * i / (n - 1));
      lastObjective = objective.apply(d) != null ? objective.apply(d) : lastObjective;
      Double v = value.apply(d);
      if (v == null) {
        continue;
      }
      double y = TOP + plotH * (1 - v / max);
      line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      points.append(String.format(Locale.ROOT, "<circle class=\"point %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\""
              + " data-drill-id=\"%s\" data-seconds=\"%s\" data-passed=\"%s\"><title>%s: %s s</title></circle>%n",
          kind, x, y, d.passed() ? "#1a7f37" : "#cf222e", esc(d.drillId()), num(v, 3), d.passed(), esc(d.startedAt()), num(v, 3)));
    }
    if (lastObjective != null) {
      double y = objectiveAbove ? TOP : TOP + plotH * (1 - lastObjective / max);
      h.append(String.format(Locale.ROOT, "<line class=\"objective %s\" data-seconds=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\""
          + " stroke=\"#cf222e\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#cf222e\">objective %s"
          + "</text>%n", kind, num(lastObjective, 0), LEFT, y, WIDTH - RIGHT, y, LEFT + 4, y + (objectiveAbove ? 12 : -4),
          num(lastObjective, 0) + " s" + (objectiveAbove ? " (far above the chart)" : "")));
    }
    if (line.length() > 0) {
      h.append("<polyline fill=\"none\" stroke=\"#0969da\" points=\"").append(line.toString().strip()).append("\"/>\n");
    }
    h.append(points).append("</svg>\n");
  }

  private static String num(Double v, int decimals) {
    return v == null ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
  }
}
