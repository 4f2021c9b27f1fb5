package io.dbrunbooks.starter.demo;

import io.dbrunbooks.starter.CliFailure;

import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.postgres.PostgresBackupActivities;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.dbrunbooks.workflows.walarchive.WalArchiveInput;
import io.dbrunbooks.workflows.walarchive.WalArchiveWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

/**
 * The demo's second act, the bad day: WAL archiving, an application writing through PgBouncer, its
 * accidental delete, and the numbers a person checks afterwards. The restore itself runs through
 * {@link RestoreRuns} and {@link RunningRestore} exactly as {@code runbooks restore start} and
 * {@code restore approve} run it.
 */
public final class DemoRestore {
  private DemoRestore() {}

  /** Starts {@code wal-archive/<target>} and waits until its replication slot holds the WAL from here on. */
  public static void startArchiving(WorkflowClient client, LocalCluster cluster, String target, String slot, Duration timeout)
      throws Exception {
    WalArchiveWorkflow stub = client.newWorkflowStub(WalArchiveWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(WalArchiveWorkflow.workflowId(target))
        .setTaskQueue(TaskQueues.RUNBOOKS)
        .setStaticSummary("WAL archive of " + target + " started by the demo")
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .build());
    WorkflowClient.start(stub::run, RunbookInput.of(new WalArchiveInput(target, "demo")));
    awaitTrue("the archiver's replication slot " + slot, timeout, () -> {
      try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active")) {
        return r.next() && r.getInt(1) == 1;
      }
    });
  }

  /** Waits up to {@code timeout} until the archiver's workflow has ended, after {@link #stopArchiving}; false when it has not. */
  public static boolean awaitArchiverEnded(WorkflowClient client, String target, Duration timeout) throws Exception {
    WorkflowStub stub = client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId(target));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stub.describe().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(200);
    }
    return true;
  }

  /**
   * Drops the archiver's replication slot on the server the target lives on now (green after a
   * promotion), unless a walsender still uses it. Returns whether a slot was dropped.
   */
  public static boolean dropSlot(TargetConfig serving, String slot) throws SQLException {
    try (Connection c = PostgresBackupActivities.connect(serving);
        PreparedStatement s = c.prepareStatement(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  /**
   * Stops the archiver the way {@code runbooks wal archive stop} does: a cancel, after which it
   * uploads what it holds, then ends. Does not wait; nothing happens when it has ended already.
   */
  public static void stopArchiving(WorkflowClient client, String target) {
    try {
      client.newUntypedWorkflowStub(WalArchiveWorkflow.workflowId(target)).cancel();
    } catch (WorkflowNotFoundException alreadyEnded) {
      // stopped earlier in the demo
    }
  }

  /**
   * The application: its role logs in through PgBouncer's alias, with the password from its file.
   * {@code prepareThreshold=0}: under transaction pooling a server-side prepared statement would not
   * survive to the next transaction, which may run on another server connection.
   */
  public record App(int pgbouncerPort, String database, String user, Path passwordFile) {
    Connection connect() throws SQLException, IOException {
      Properties p = new Properties();
      p.setProperty("user", user);
      p.setProperty("password", Files.readString(passwordFile).strip());
      p.setProperty("prepareThreshold", "0");
      p.setProperty("ApplicationName", "runbooks-demo-app");
      return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgbouncerPort + "/" + database, p);
    }

    String psql() {
      return "psql -h 127.0.0.1 -p " + pgbouncerPort + " -U " + user + " " + database + "   (password in " + passwordFile + ")";
    }
  }

  /** One order per transaction for {@code duration}, as an application would write; returns how many. */
  public static int writeLoad(App app, Duration duration) throws SQLException, IOException {
    int n = 0;
    long end = System.nanoTime() + duration.toNanos();
    try (Connection c = app.connect(); Statement s = c.createStatement()) {
      while (System.nanoTime() < end) {
        s.execute("WITH o AS (INSERT INTO orders (customer_id, status, ordered_at) VALUES (1 + " + (n % 2000)
            + ", 'new', clock_timestamp()) RETURNING id)"
            + " INSERT INTO order_items SELECT id, 1, 'SKU-0042', 1, 9.99 FROM o");
        n++;
      }
    }
    return n;
  }

  /** The moment just before the delete (the restore's target) and the WAL location just after it. */
  public record Accident(Instant before, long rowsDeleted, Lsn walAfter) {}

  /** {@code DELETE FROM order_items} without its WHERE clause, sent by the application. */
  public static Accident deleteByAccident(App app) throws SQLException, IOException {
    try (Connection c = app.connect(); Statement s = c.createStatement()) {
      Instant before;
      try (ResultSet r = s.executeQuery("SELECT clock_timestamp()")) {
        r.next();
        before = r.getTimestamp(1).toInstant();
      }
      long deleted = s.executeUpdate("DELETE FROM order_items");
      try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
        r.next();
        return new Accident(before, deleted, Lsn.parse(r.getString(1)));
      }
    }
  }

  /** Where one committed order's WAL ends, and the timeline the server writes. */
  public record Written(Lsn lsn, int timeline) {}

  /** One order through PgBouncer; where its WAL ends on which timeline (a promoted server writes a new one). */
  public static Written writeOne(App app) throws SQLException, IOException {
    try (Connection c = app.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO orders (customer_id, status, ordered_at) VALUES (1, 'new', clock_timestamp())");
      try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")) {
        r.next();
        return new Written(Lsn.parse(r.getString(1)), Integer.parseInt(r.getString(2), 16));
      }
    }
  }

  /** What the application sees: the table's row count, and the port of the server PgBouncer sent it to. */
  public record AppView(long rows, int serverPort) {}

  public static AppView count(App app, String table) throws SQLException, IOException {
    try (Connection c = app.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*), inet_server_port() FROM " + table)) {
      r.next();
      return new AppView(r.getLong(1), r.getInt(2));
    }
  }

  /** Waits until the WAL archive holds everything up to {@code lsn}; returns how long that took. */
  public static Duration awaitArchived(TargetResources resources, String target, Lsn lsn, int timeline, Duration timeout)
      throws Exception {
    WalArchive archive = new WalArchive(resources.store(target), resources.keys(target), target);
    long start = System.nanoTime();
    awaitTrue("the WAL archive to reach " + lsn, timeout, () -> {
      Lsn end = archive.list().archivedEnd(timeline, lsn);
      return end != null && end.compareTo(lsn) >= 0;
    });
    return Duration.ofNanos(System.nanoTime() - start);
  }

  public interface Probe {
    boolean done() throws Exception;
  }

  private static void awaitTrue(String what, Duration timeout, Probe probe) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!probe.done()) {
      if (System.nanoTime() > deadline) {
        throw CliFailure.failed("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(200);
    }
  }
}
