package io.dbrunbooks.worker;

import io.dbrunbooks.workflows.common.TaskQueues;
import java.util.Map;

/**
 * How many heavy steps of each kind ({@link TaskQueues.Heavy}) one worker runs at once. A step
 * beyond the limit waits in its kind's task queue, where another worker may take it.
 *
 * <p>Default per kind: half the processors, at least 1. A take already keeps several cores busy
 * (pg_basebackup, zstd on up to 4 threads, SHA-256 twice, AES-GCM) and so does a restore's unpack
 * and replay: with both kinds at their default the heavy steps together ask for about every core,
 * and ten takes at once only slow each other down (ten together took four times as long as one).
 */
public record Concurrency(int backups, int restores) {
  public static final String BACKUP_ENV = "RUNBOOKS_BACKUP_CONCURRENCY";
  public static final String RESTORE_ENV = "RUNBOOKS_RESTORE_CONCURRENCY";
  /** More slots than this is a typing error, not a machine. */
  static final int MAX = 200;

  public Concurrency {
    check("backups", backups);
    check("restores", restores);
  }

  private static void check(String what, int n) {
    if (n < 1 || n > MAX) {
      throw new IllegalArgumentException(what + " concurrency must be 1 to " + MAX + ", got " + n);
    }
  }

  /** Half of {@code processors}, at least 1, for each kind. */
  public static Concurrency forProcessors(int processors) {
    int half = Math.max(1, processors / 2);
    return new Concurrency(half, half);
  }

  /** The defaults for this machine. */
  public static Concurrency defaults() {
    return forProcessors(Runtime.getRuntime().availableProcessors());
  }

  /** The limit for {@code kind}. */
  public int of(TaskQueues.Heavy kind) {
    return switch (kind) {
      case BACKUP -> backups;
      case RESTORE -> restores;
    };
  }

  /** {@code base} with the limits {@link #BACKUP_ENV} and {@link #RESTORE_ENV} set in {@code env}. */
  static Concurrency fromEnv(Concurrency base, Map<String, String> env) {
    Concurrency c = base;
    if (env.containsKey(BACKUP_ENV)) {
      c = new Concurrency(parse(BACKUP_ENV, env.get(BACKUP_ENV)), c.restores);
    }
    if (env.containsKey(RESTORE_ENV)) {
      c = new Concurrency(c.backups, parse(RESTORE_ENV, env.get(RESTORE_ENV)));
    }
    return c;
  }

  /**
   * {@code value} as a slot count, else an {@link IllegalArgumentException} naming {@code what}
   * (a variable or option) and what it accepts.
   */
  static int parse(String what, String value) {
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 1 && n <= MAX) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + " must be a whole number from 1 to " + MAX + ", got \"" + value + "\"");
  }

  @Override
  public String toString() {
    return backups + " backup step" + (backups == 1 ? "" : "s") + " and " + restores + " restore step"
        + (restores == 1 ? "" : "s") + " at once";
  }
}
