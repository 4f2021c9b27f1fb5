package io.dbrunbooks.starter.drills;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.starter.RunbooksCli;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import io.dbrunbooks.workflows.common.SealRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbooks drills report} over drill manifests sealed and chained by the real evidence code
 * in a file registry: every drill listed and verified offline, a tampered manifest caught, and the
 * HTML page's charts present in the DOM headless Chromium renders.
 */
class DrillsReportCommandTest {
  @TempDir Path tmp;

  record Drill(String id, String startedAt, boolean passed, Double rto, Double rpo) {}

  @Test
  void theReportListsEveryDrillVerifiesItsEvidenceAndChartsTheTrendInABrowser() throws Exception {
    Path targets = targets();
    TargetsConfig config = TargetsConfigLoader.load(targets);
    EvidenceActivitiesImpl evidence = EvidenceActivitiesImpl.fromConfig(config);
    List<Drill> drills = List.of(
        new Drill("orders-20261102T030000Z-aaaaaa", "2026-11-02T03:00:00Z", true, 812.4, 1.2),
        new Drill("orders-20261207T030000Z-bbbbbb", "2026-12-07T03:00:00Z", true, 790.0, 0.8),
        new Drill("orders-20270104T030000Z-cccccc", "2027-01-04T03:00:00Z", false, null, null));
    for (Drill d : drills) {
      seal(evidence, d);
    }

    Path html = tmp.resolve("report.html");
    Result r = run("--targets", targets.toString(), "drills", "report", "--target", "orders", "--out", html.toString());
    assertEquals(RunbooksCli.EXIT_OK, r.code(), r.toString());
    assertTrue(r.out().startsWith("3 drill(s) of orders:"), r.out());
    assertEquals(3, r.out().lines().filter(l -> l.contains("evidence ✓")).count(), r.out());
    assertTrue(r.out().contains("orders-20270104T030000Z-cccccc") && r.out().contains("failed"), r.out());

    String dom = renderedDom(html);
    assertEquals(2, count(dom, "<circle class=\"point rto\""), "one RTO point per drill that measured one");
    assertEquals(2, count(dom, "<circle class=\"point rpo\""));
    assertTrue(dom.contains("class=\"objective rto\" data-seconds=\"14400\""), "the production RTO objective as a line");
    assertTrue(dom.contains("class=\"objective rpo\" data-seconds=\"3600\""));
    assertTrue(dom.contains("data-drill-id=\"orders-20261102T030000Z-aaaaaa\" data-seconds=\"812.400\""), dom);
    assertEquals(3, count(dom, "<tr class=\"drill\""));

    // A manifest changed after sealing no longer verifies: the row says so, and the command exits 1.
    Path manifest = tmp.resolve("evidence/orders/drills/orders-20261207T030000Z-bbbbbb/manifest.jws");
    String jws = Files.readString(manifest, StandardCharsets.US_ASCII);
    int sig = jws.lastIndexOf('.') + 5;
    Files.writeString(manifest, jws.substring(0, sig) + (jws.charAt(sig) == 'A' ? 'B' : 'A') + jws.substring(sig + 1));
    Result tampered = run("--targets", targets.toString(), "--json", "drills", "report", "--target", "orders");
    assertEquals(RunbooksCli.EXIT_FAILED, tampered.code(), tampered.toString());
    assertTrue(tampered.out().contains("\"evidenceOk\" : false") && tampered.out().contains("signature NOT verified"),
        tampered.out());
  }

  private Path targets() throws Exception {
    Path keyring = tmp.resolve("keyring.json");
    LocalKeyring.create(keyring);
    Path pw = tmp.resolve("pw");
    Files.writeString(pw, "unused");
    Path targets = tmp.resolve("targets.yaml");
    Files.writeString(targets, String.join("\n",
        "targets:",
        "  orders:",
        "    engine: postgres",
        "    connection: { host: 127.0.0.1, port: 5432, database: orders, user: postgres, password: { file: " + pw + " } }",
        "    backupStore: file:" + tmp.resolve("store"),
        "    evidence: file:" + tmp.resolve("evidence"),
        "    keys: { keyring: " + keyring + " }", ""));
    return targets;
  }

  /** A drill's audit entries and manifest, shaped as RestoreDrillWorkflowImpl writes them. */
  private static void seal(EvidenceActivitiesImpl evidence, Drill d) {
    String chain = "orders/drills/" + d.id();
    AuditRecord head = null;
    long seq = 0;
    for (String action : List.of("drill.requested", "drill.loss-marked", "drill.torn-down")) {
      head = evidence.appendAudit(new AuditAppend("orders", chain, ++seq,
          new AuditEvent(d.startedAt(), action, "target/orders/drill/" + d.id(), "scheduler", "succeeded", Map.of())));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/drill-manifest/v1");
    m.put("drillId", d.id());
    m.put("target", "orders");
    m.put("scenario", "complete-failure");
    m.put("outcome", d.passed() ? "passed" : "failed");
    m.put("passed", d.passed());
    m.put("failures", d.passed() ? List.of() : List.of("failed in RESTORE: WAL segment 000000010000000000000004 is missing"));
    m.put("startedAt", d.startedAt());
    m.put("selection", Map.of("backupId", "orders-backup", "recoveryTarget", "lsn 0/5000000"));
    m.put("objectives", Map.of("environment", "production", "rtoSeconds", 14400.0, "rpoSeconds", 3600.0, "source", "default"));
    m.put("rtoSeconds", d.rto());
    Map<String, Object> rpo = new HashMap<>();
    if (d.rpo() != null) {
      rpo.put("seconds", d.rpo());
      rpo.put("bytes", 4096);
      m.put("rpo", rpo);
    }
    m.put("cleanup", Map.of("outcome", "removed"));
    m.put("auditChain", chain);
    m.put("auditHead", Map.of("sequence", head.sequence(), "hash", head.hash()));
    evidence.sealManifest(new SealRequest("orders", chain + "/manifest", m));
  }

  /** The page's DOM after Chromium loaded it (and ran any script). */
  private String renderedDom(Path html) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--disable-gpu", "--no-sandbox",
        "--user-data-dir=" + tmp.resolve("chromium-profile"), "--dump-dom", html.toUri().toString()));
    Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("chromium.err").toFile()).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium ended");
    assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(tmp.resolve("chromium.err")));
    assertTrue(dom.contains("<svg id=\"rto-chart\""), () -> "no chart in the rendered DOM: " + dom);
    return dom;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static int count(String s, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new HashMap<>(System.getenv());
    int code = RunbooksCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
    return new Result(code, out.toString(), err.toString());
  }
}
