import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.ReplicationConnections;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalStreamer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * WAL archive RPO under a steady write load: how long after its commit a transaction's WAL is in
 * the archive. Single-file program, run by bench/wal/rpo.sh with the worker jar on the class path.
 *
 * A LocalCluster, a file-store WalArchive and the WalStreamer (the code the WalArchiveWorkflow's
 * activity runs) with the default 1 s flush interval; one client commits single-row transactions at
 * RATE per second for SECONDS, recording after each commit the time and pg_current_wal_lsn(). An
 * independent sampler lists the archive every 100 ms and records its durable end (what a restore
 * could fetch right now). A transaction's RPO is the time of the first sample whose end covers its
 * LSN minus its commit time: the data a crash of everything at that instant would lose.
 *
 * Like the workflow, the streamer runs in bounded calls (CALL_SECONDS, default 300 as
 * WalArchiveWorkflow's); each ends with an upload and the next reconnects and resumes from the
 * archive, so a short CALL_SECONDS shows what call boundaries cost (the workflow adds one Temporal
 * round trip between calls).
 *
 * args: WORK_DIR SECONDS RATE FLUSH_MILLIS [CALL_SECONDS]
 */
public class RpoBench {
  record Commit(long nanos, long lsn) {}

  record Sample(long nanos, long end) {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]).toAbsolutePath();
    int seconds = Integer.parseInt(args[1]);
    int rate = Integer.parseInt(args[2]);
    Duration flush = Duration.ofMillis(Long.parseLong(args[3]));
    long callNanos = (args.length > 4 ? Long.parseLong(args[4]) : 300) * 1_000_000_000L;
    Files.createDirectories(work);
    try (LocalCluster pg = LocalCluster.start(work.resolve("pg"))) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.stop(); // Ctrl-C: PostgreSQL runs detached and would outlive the JVM
        } catch (Exception ignored) {
          // already stopped
        }
      }));
      String password = Files.readString(pg.passwordFile()).strip();
      pg.sql("postgres", "CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, total numeric(10,2), at timestamptz DEFAULT now())");
      LocalKeyring keys = LocalKeyring.create(work.resolve("keyring.json"));
      WalArchive archive = new WalArchive(new FileBackupStore(work.resolve("store")), keys, "bench");
      AtomicBoolean stop = new AtomicBoolean();
      List<WalStreamer.Result> calls = new ArrayList<>();
      CompletableFuture<Void> streaming = CompletableFuture.runAsync(() -> {
        while (!stop.get()) {
          long end = System.nanoTime() + callNanos;
          WalStreamer streamer = new WalStreamer(() -> DriverManager.getConnection(pg.jdbcUrl("postgres"),
              ReplicationConnections.properties(LocalCluster.SUPERUSER, password, "disable")), archive, "db_runbooks_bench", flush);
          try {
            calls.add(streamer.run(() -> !stop.get() && System.nanoTime() - end < 0, p -> { }));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      Lsn from = waitForSlot(pg);
      System.err.printf("archiver streaming from slot position %s; %d tx/s for %d s, flush every %d ms%n", from, rate, seconds,
          flush.toMillis());

      List<Sample> samples = new ArrayList<>();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          try {
            Lsn end = archive.list().archivedEnd(1, from);
            synchronized (samples) {
              samples.add(new Sample(System.nanoTime(), end == null ? 0 : end.value()));
            }
            Thread.sleep(100);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }, "sampler");
      sampler.start();

      List<Commit> commits = load(pg, seconds, rate);
      long lastLsn = commits.get(commits.size() - 1).lsn();
      long drainDeadline = System.nanoTime() + 30_000_000_000L;
      while (lastSample(samples) < lastLsn && System.nanoTime() < drainDeadline) {
        Thread.sleep(100);
      }
      sampling.set(false);
      sampler.join();
      stop.set(true);
      streaming.get();
      report(commits, samples, rate, flush, callNanos / 1_000_000_000L, calls);
    }
  }

  static Lsn waitForSlot(LocalCluster pg) throws Exception {
    for (int i = 0; i < 300; i++) {
      try (Connection c = pg.connect("postgres"); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'db_runbooks_bench'")) {
        if (rs.next()) {
          return Lsn.parse(rs.getString(1));
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the archiver never created its slot");
  }

  /** Paced single-row transactions; returns each one's commit time and the WAL position after it. */
  static List<Commit> load(LocalCluster pg, int seconds, int rate) throws Exception {
    List<Commit> commits = new ArrayList<>(seconds * rate);
    try (Connection c = pg.connect("postgres");
        PreparedStatement insert = c.prepareStatement("INSERT INTO orders (customer, total) VALUES (?, ?)");
        PreparedStatement lsn = c.prepareStatement("SELECT pg_current_wal_lsn()::text")) {
      long start = System.nanoTime();
      long interval = 1_000_000_000L / rate;
      for (long i = 0; i < (long) seconds * rate; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        insert.setInt(1, (int) (i % 1000));
        insert.setBigDecimal(2, java.math.BigDecimal.valueOf(i % 10000, 2));
        insert.executeUpdate(); // autocommit: returns after the commit record is flushed
        long committed = System.nanoTime();
        try (ResultSet rs = lsn.executeQuery()) {
          rs.next();
          commits.add(new Commit(committed, Lsn.parse(rs.getString(1)).value()));
        }
      }
    }
    return commits;
  }

  static long lastSample(List<Sample> samples) {
    synchronized (samples) {
      return samples.isEmpty() ? 0 : samples.get(samples.size() - 1).end();
    }
  }

  static void report(List<Commit> commits, List<Sample> samples, int rate, Duration flush, long callSeconds,
      List<WalStreamer.Result> calls) {
    List<Sample> s;
    synchronized (samples) {
      s = new ArrayList<>(samples);
    }
    double[] rpo = new double[commits.size()];
    int n = 0;
    int unarchived = 0;
    int j = 0;
    for (Commit c : commits) {
      // Samples are in time order and their ends never go back: walk forward to the first one after the commit that covers it.
      while (j < s.size() && s.get(j).nanos() < c.nanos()) {
        j++;
      }
      int k = j;
      while (k < s.size() && s.get(k).end() < c.lsn()) {
        k++;
      }
      if (k == s.size()) {
        unarchived++;
      } else {
        rpo[n++] = (s.get(k).nanos() - c.nanos()) / 1e9;
      }
    }
    double[] v = Arrays.copyOf(rpo, n);
    Arrays.sort(v);
    double elapsed = (commits.get(commits.size() - 1).nanos() - commits.get(0).nanos()) / 1e9;
    System.out.printf(Locale.ROOT, "WAL archive RPO, %d transactions in %.1f s (%.0f tx/s asked %d), flush interval %d ms,"
        + " calls of %d s, %d samples%n", commits.size(), elapsed, commits.size() / elapsed, rate, flush.toMillis(), callSeconds, s.size());
    System.out.printf(Locale.ROOT, "  RPO seconds  p50 %.2f   p99 %.2f   max %.2f   (aim: 5 s or better)%n",
        pct(v, 0.50), pct(v, 0.99), v.length == 0 ? Double.NaN : v[v.length - 1]);
    System.out.printf(Locale.ROOT, "  transactions never seen in the archive: %d%n", unarchived);
    long segments = calls.stream().mapToLong(c -> c.position().segmentsArchived()).sum();
    long bytes = calls.stream().mapToLong(c -> c.position().bytesArchived()).sum();
    System.out.printf(Locale.ROOT, "  archiver: %d calls, %d complete segments, %d bytes of WAL uploaded, archived to %s%n",
        calls.size(), segments, bytes, calls.get(calls.size() - 1).position().archivedEnd());
  }

  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
