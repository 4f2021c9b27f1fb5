package io.dbrunbooks.workflows.common;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** What every runbook workflow shares: activity options for evidence, notifications, streaming and cleanup steps; run ids. */
public final class RunbookOptions {
  private RunbookOptions() {}

  /** Same rule as the targets file, so a bad name fails in the workflow before any activity runs. */
  public static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * Evidence appends and seals. Waits out a cancel: an append whose outcome is unknown would leave
   * the trail's numbering unsure.
   */
  public static final ActivityOptions EVIDENCE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 20))
          .build();

  /** A notification is worth a few tries, but a dead webhook must not hold a finished run hostage. */
  public static final ActivityOptions NOTIFY =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 5))
          .build();

  /**
   * Hours-long steps that stream bytes (take a backup, unpack one, replay WAL): the heartbeat
   * timeout notices a dead worker within half a minute and the retry starts the step over. On
   * cancel the workflow waits for the step to stop writing: cleaning up while it still writes would
   * leave fresh debris behind.
   */
  public static final ActivityOptions STREAMING =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(24))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), 4))
          .build();

  /**
   * {@code options} on the queue of {@code kind} beside the running workflow's own queue, where the
   * worker bounds how many such steps run at once; the excess waits in that queue for a free slot
   * here or another worker. Call from workflow code. Activities already scheduled on the main queue
   * by an older version stay there and are still served: the main worker registers every activity.
   */
  public static ActivityOptions on(TaskQueues.Heavy kind, ActivityOptions options) {
    return ActivityOptions.newBuilder(options).setTaskQueue(kind.queue(Workflow.getInfo().getTaskQueue())).build();
  }

  /** Compensation must eventually happen; it is idempotent, so it may retry for a long time. */
  public static final ActivityOptions CLEANUP =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setRetryOptions(Retries.backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), 20))
          .build();

  /**
   * {@code <target>-<UTC time>-<6 hex>} from workflow time and randomness: sortable by time, unique
   * across runs, stable across replays. Backup and restore ids look alike on purpose.
   */
  public static String newRunId(String target) {
    String random = Workflow.randomUUID().toString().replace("-", "").substring(0, 6);
    return target + "-" + ID_TIME.format(Instant.ofEpochMilli(Workflow.currentTimeMillis())) + "-" + random;
  }
}
