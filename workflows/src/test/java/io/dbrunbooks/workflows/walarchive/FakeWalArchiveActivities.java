package io.dbrunbooks.workflows.walarchive;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * An archiver that archives one 16 MiB segment per call, instantly. Call number {@code blockAt}
 * instead streams until cancelled, heartbeating, and then "uploads what it holds" as the real one does.
 */
class FakeWalArchiveActivities implements WalArchiveActivities {
  final List<WalArchiveRequest> requests = new CopyOnWriteArrayList<>();
  final CountDownLatch blocking = new CountDownLatch(1);
  volatile int blockAt = Integer.MAX_VALUE;
  volatile int failAt = Integer.MAX_VALUE;
  volatile int gapAt = Integer.MAX_VALUE;
  volatile boolean flushedOnCancel;

  @Override
  public WalArchiveCheckpoint archive(WalArchiveRequest request) {
    requests.add(request);
    int call = requests.size();
    if (call == failAt) {
      throw ApplicationFailure.newNonRetryableFailure("the archive belongs to another cluster", "WalArchiveConflict");
    }
    if (call == blockAt) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      blocking.countDown();
      try {
        while (true) {
          ctx.heartbeat(call);
          Thread.sleep(50);
        }
      } catch (ActivityCompletionException e) {
        flushedOnCancel = true;
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    List<String> gaps = call == gapAt
        ? List.of("000000010000000000000003..000000010000000000000004 missing: recycled before it was archived")
        : List.of();
    return new WalArchiveCheckpoint(1, lsnAfter(call), segment(call), 1, 16L << 20, gaps);
  }

  /** End of segment number {@code n} (segment 1 = 000000010000000000000001). */
  static String lsnAfter(int n) {
    return "0/" + Long.toHexString((n + 1L) << 24).toUpperCase();
  }

  static String segment(int n) {
    return String.format("%08X%08X%08X", 1, 0, n);
  }
}
