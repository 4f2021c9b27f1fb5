package io.dbrunbooks.starter.demo;

import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.starter.Cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.restore.ReadableClasspath;
import io.dbrunbooks.activities.restore.RestoreActivitiesImpl;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbooks demo} in-process with real parts (PostgreSQL, temporal dev server or the Java test
 * server, the worker) on free ports, then the offline commands against what it left behind.
 */
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void demoBacksUpThenPromotesARestoreAfterTheAccidentThenTheCatalogVerifiersWorkOnItsFiles() throws Exception {
    // Under root PostgreSQL runs as the postgres user, who must be able to traverse the temp dir.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path work = tmp.resolve("demo");
    String targets = work.resolve("targets.yaml").toString();

    // The restore_command runs as postgres under root, who cannot read Maven's repository in /root:
    // run it from a readable copy of the class path, as an operator installs the jar somewhere readable.
    Map<String, String> env = Map.of(RestoreActivitiesImpl.WAL_FETCH_ENV, ReadableClasspath.fetchProgram(tmp.resolve("classpath")));
    Cli.Result demo = Cli.run(env, "demo", "--work-dir", work.toString(),
        "--temporal-port", String.valueOf(freePort()), "--ui-port", String.valueOf(freePort()));
    assertEquals(0, demo.exitCode(), demo.toString());
    Matcher id = Pattern.compile("backup (orders-\\S+) of orders completed").matcher(demo.out());
    assertTrue(id.find(), demo.toString());
    String backupId = id.group(1);
    for (String check : List.of("manifest signature", "manifest location", "signing key", "audit chain", "audit head", "artifact")) {
      assertTrue(demo.out().contains("✓ " + check), check + " not passed:\n" + demo.out());
    }
    assertTrue(demo.out().contains("all 6 checks passed"), demo.out());
    assertTrue(!demo.out().contains("✗"), demo.out());
    assertTrue(demo.out().contains("runbooks evidence verify " + backupId), demo.out());

    // The second act: the accidental delete is undone by a restore that takes the traffic through
    // PgBouncer once the demo's approver approves; everything it started is gone when it ends.
    String out = demo.out();
    assertTrue(out.contains("approved by demo-approver at "), out);
    assertTrue(out.contains("ready in ") && out.contains("(RTO)"), out);
    assertTrue(Pattern.compile("RTO\\s+\\S+ s from the restore's start to a restored, checked copy").matcher(out).find(), out);
    assertTrue(Pattern.compile("recovered\\s+to the last commit before the delete: \\d{4}-\\d\\d-\\d\\dT\\S+Z \\(recovery target \\S+Z;"
        + " LSN [0-9A-F]+/[0-9A-F]+, timeline 2\\)").matcher(out).find(), out);
    assertTrue(Pattern.compile("PgBouncer held new transactions for \\d+ ms while it moved orders").matcher(out).find(), out);
    Matcher rows = Pattern.compile("(\\d+) order items as orders_app sees them through PgBouncer, served by green on port (\\d+);"
        + " (\\d+) before the delete: every row is back").matcher(out);
    assertTrue(rows.find(), out);
    assertEquals(rows.group(1), rows.group(3));
    assertTrue(Long.parseLong(rows.group(1)) > 30_000, "the write load's rows are back too: " + rows.group(1));
    assertTrue(out.contains("outcome   promoted: traffic on green"), out);
    Matcher blue = Pattern.compile("blue\\s+stopped \\((\\S+)\\), kept by (decommission/orders-\\S+)").matcher(out);
    assertTrue(blue.find(), out);
    assertEquals(work.resolve("postgres/data").toString(), blue.group(1));
    assertTrue(out.contains(blue.group(2) + " removed " + blue.group(1) + " (approved by demo-approver)"), out);
    assertTrue(Pattern.compile("  archive   follows green: an order written through PgBouncer after the promotion"
        + " \\(LSN [0-9A-F]+/[0-9A-F]+, timeline 2\\) was archived \\d+\\.\\d s later").matcher(out).find(), out);
    assertTrue(Pattern.compile("scheduled/orders-(hourly|daily)-\\S+: skipped: already running").matcher(out).find(), out);
    assertTrue(Pattern.compile("scheduled/orders-(hourly|daily)-\\S+: completed: backup/orders run").matcher(out).find(), out);
    assertTrue(Pattern.compile("drill orders-\\S+ of orders \\(complete-failure\\): PASSED").matcher(out).find(), out);
    assertTrue(Pattern.compile("RTO \\d+\\.\\d s \\(objective 14400 s").matcher(out).find(), out);
    assertTrue(out.contains("report: " + work.resolve("drills.html")), out);
    assertTrue(Files.readString(work.resolve("drills.html")).contains("data-drill-id"), "the report charts the drill");
    assertTrue(!Files.exists(work.resolve("postgres/data")), "blue's data directory is removed by its decommission");
    try (Stream<Path> restores = Files.list(work.resolve("restores"))) {
      assertEquals(List.of(), restores.toList(), "green is torn down when the demo ends");
    }
    assertEquals(List.of(), processesUnder(work), "nothing the demo started keeps running");
    try (Stream<Path> sealed = Files.walk(work.resolve("evidence/orders/restores"))) {
      assertEquals(2, sealed.filter(p -> p.getFileName().toString().equals("manifest.jws")).count(),
          "the drill's isolated restore and the bad day's restore are sealed");
    }
    Cli.Result wal = Cli.run("wal", "verify", "--target", "orders", "--targets", targets);
    assertEquals(0, wal.exitCode(), "the demo's WAL archive has no gap: " + wal);

    Cli.Result list = Cli.run("backups", "list", "--target", "orders", "--targets", targets, "--json");
    assertEquals(0, list.exitCode(), list.toString());
    JsonNode entries = new ObjectMapper().readTree(list.out());
    // The demo's own backup, and the one its schedules took (of class hourly or daily).
    assertEquals(2, entries.size(), list.out());
    JsonNode own = null;
    JsonNode scheduled = null;
    for (JsonNode e : entries) {
      assertEquals("physical", e.get("method").asText(), list.out());
      assertEquals("present", e.get("artifact").asText(), list.out());
      if (e.get("backupId").asText().equals(backupId)) {
        own = e;
      } else {
        scheduled = e;
      }
    }
    assertNotNull(own, list.out());
    assertNotNull(scheduled, list.out());
    assertTrue(List.of("hourly", "daily").contains(scheduled.path("backupClass").asText()), list.out());

    Cli.Result verified = Cli.run("evidence", "verify", backupId, "--targets", targets);
    assertEquals(0, verified.exitCode(), verified.toString());
    assertTrue(verified.out().contains("✓ manifest signature"), verified.out());

    Path artifact = onlyFile(work.resolve("backups/orders/" + backupId));
    flipOneByte(artifact);
    Cli.Result tampered = Cli.run("evidence", "verify", backupId, "--targets", targets);
    assertEquals(1, tampered.exitCode(), tampered.toString());
    assertTrue(tampered.out().contains("✗ artifact orders/" + backupId + "/" + artifact.getFileName()), tampered.out());
    assertTrue(tampered.out().contains("✓ manifest signature"), "only the artifact is named: " + tampered.out());
  }

  /**
   * With --keep-running the WAL archiver really keeps running: its slot on the promoted copy is in
   * use while the demo waits, and the demo's stop ends the archiver before green goes and drops
   * the slot, so no WAL piles up behind it.
   */
  @Test
  void keepRunningKeepsTheArchiverStreamingFromGreenAndItsStopDropsTheSlot() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path work = tmp.resolve("demo");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("TEMPORAL_ADDRESS");
    env.put(RestoreActivitiesImpl.WAL_FETCH_ENV, ReadableClasspath.fetchProgram(tmp.resolve("classpath")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread demo = new Thread(() -> exit.set(RunbooksCli.run(new String[] {"demo", "--keep-running", "--work-dir", work.toString(),
        "--temporal-port", String.valueOf(freePort()), "--ui-port", String.valueOf(freePort())},
        new PrintWriter(out, true), new PrintWriter(err, true), env)), "demo");
    demo.start();
    try {
      while (demo.isAlive() && !out.toString().contains("everything keeps running")) {
        demo.join(200);
      }
      assertTrue(demo.isAlive(), "the demo keeps running:\n" + out + "\n" + err);
      Matcher green = Pattern.compile("in front of the restored orders on 127.0.0.1:(\\d+)").matcher(out.toString());
      assertTrue(green.find(), out.toString());
      assertTrue(out.toString().contains("the WAL archiver streaming from the restored copy"), out.toString());
      assertTrue(out.toString().contains("pg_drop_replication_slot('db_runbooks_orders')"), "says how to drop the slot: " + out);
      Properties p = new Properties();
      p.setProperty("user", "postgres");
      p.setProperty("password", Files.readString(work.resolve("postgres/pwfile")).strip());
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + green.group(1) + "/postgres", p);
          Statement st = c.createStatement();
          ResultSet r = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = 'db_runbooks_orders'")) {
        assertTrue(r.next(), "green has the archiver's slot");
        assertTrue(r.getBoolean(1), "the archiver streams from green while the demo keeps running:\n" + out);
      }
    } finally {
      demo.interrupt(); // as Ctrl-C does, through the shutdown hook
      demo.join(180_000);
    }
    String text = out.toString();
    assertEquals(0, exit.get(), text + "\n" + err);
    int archiver = text.indexOf("stopped the WAL archiver");
    int greenGone = text.indexOf("stopped the restored copy (green)");
    assertTrue(archiver >= 0 && greenGone > archiver, "the archiver stops before green goes:\n" + text);
    assertTrue(text.contains("replication slot db_runbooks_orders dropped on 127.0.0.1:"), text);
    assertEquals(List.of(), processesUnder(work), "nothing the demo started keeps running");
  }

  private static Path onlyFile(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
      assertEquals(1, files.size(), "one artifact in the store: " + files);
      return files.get(0);
    }
  }

  @Test
  void demoNeverDeletesWhatItDidNotCreate() throws Exception {
    // A demo marker beside somebody else's file: the directory is refused, the file stays.
    Path mixed = Files.createDirectories(tmp.resolve("mixed"));
    Files.writeString(mixed.resolve(DemoCommand.MARKER), "created by runbooks demo; a re-run deletes this directory\n");
    Path precious = Files.writeString(mixed.resolve("precious.txt"), "keep me");
    Cli.Result refused = Cli.run("demo", "--work-dir", mixed.toString(),
        "--temporal-port", String.valueOf(freePort()), "--ui-port", String.valueOf(freePort()));
    assertEquals(2, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("precious.txt"), refused.toString());
    assertTrue(Files.exists(precious));

    // The current directory (or a parent) is never a sandbox, whatever it holds.
    Cli.Result parent = Cli.run("demo", "--work-dir", "..",
        "--temporal-port", String.valueOf(freePort()), "--ui-port", String.valueOf(freePort()));
    assertEquals(2, parent.exitCode(), parent.toString());
    assertTrue(parent.err().contains("current directory"), parent.toString());
    assertTrue(Files.exists(Path.of("pom.xml")), "the module directory is untouched");
  }

  /** Live processes whose command line names a path under {@code dir}: postmasters (-D) and pgbouncer (its ini). */
  private static List<String> processesUnder(Path dir) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
          .map(p -> {
            try {
              return p.getFileName() + ": " + new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
            } catch (IOException gone) {
              return "";
            }
          })
          .filter(cmd -> cmd.contains(dir.toString() + "/"))
          .toList();
    }
  }

  private static void flipOneByte(Path file) throws IOException {
    file.toFile().setWritable(true, true);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long middle = f.length() / 2;
      f.seek(middle);
      int b = f.read();
      f.seek(middle);
      f.write(b ^ 0x01);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
