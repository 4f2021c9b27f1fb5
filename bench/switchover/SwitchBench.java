// Switch driver for bench/switchover/run.sh: PgBouncerSwitch, N times blue <-> green, one line per switch.
// Run with the worker jar on the class path (it carries the activities and pgjdbc):
//   java -cp worker/target/db-runbooks-worker.jar bench/switchover/SwitchBench.java <args>
import io.dbrunbooks.activities.config.PgBouncerConfig;
import io.dbrunbooks.activities.config.SecretRef;
import io.dbrunbooks.activities.pgbouncer.Backend;
import io.dbrunbooks.activities.pgbouncer.HealthReport;
import io.dbrunbooks.activities.pgbouncer.PgBouncerSwitch;
import io.dbrunbooks.activities.pgbouncer.SwitchReport;
import io.dbrunbooks.activities.pgbouncer.SwitchStep;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

public class SwitchBench {
  /**
   * args: pgbouncerPort adminPasswordFile databasesFile alias bluePort greenPort switches intervalSeconds
   *       appUser appPasswordFile pauseTimeoutSeconds
   * stdout, per switch: "switch <n> <to> <start epoch us> <end epoch us> <pause ms> <repoint ms> <reload ms> <resume ms> <verify ms> <settle ms>
   *   <paused ms> <on-CLUSTER when the health check through PgBouncer reached the new backend>"
   */
  public static void main(String[] a) throws Exception {
    int port = Integer.parseInt(a[0]);
    String alias = a[3];
    Backend blue = new Backend("127.0.0.1", Integer.parseInt(a[4]), alias);
    Backend green = new Backend("127.0.0.1", Integer.parseInt(a[5]), alias);
    int switches = Integer.parseInt(a[6]);
    long intervalMillis = Math.round(Double.parseDouble(a[7]) * 1000);
    PgBouncerConfig cfg = new PgBouncerConfig("127.0.0.1", port, "disable",
        new PgBouncerConfig.Login("runbooks_admin", new SecretRef(null, a[1])), a[2], alias, Double.parseDouble(a[10]),
        new PgBouncerConfig.HealthCheck(a[8], new SecretRef(null, a[9]), null));
    PgBouncerSwitch pgb = new PgBouncerSwitch(cfg);
    System.err.println("server_login_retry = " + pgb.state().serverLoginRetrySeconds() + " s");
    for (int i = 1; i <= switches; i++) {
      Thread.sleep(intervalMillis);
      Backend to = i % 2 == 1 ? green : blue;
      long start = micros();
      SwitchReport r = pgb.switchTo(to);
      long end = micros();
      HealthReport h = pgb.healthCheck();
      StringBuilder line = new StringBuilder("switch " + i + " " + (to == green ? "green" : "blue") + " " + start + " " + end);
      for (String step : new String[] {"pause", "repoint", "reload", "resume", "verify", "settle"}) {
        line.append(' ').append(r.steps().stream().filter(s -> s.name().equals(step)).mapToLong(SwitchStep::millis).sum());
      }
      line.append(' ').append(r.pausedMillis()).append(' ')
          .append(h.serverPort() == to.port() ? "on-" + h.clusterName() : "WRONG-port-" + h.serverPort());
      System.out.println(line);
      System.out.flush();
    }
  }

  static long micros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }
}
