package io.dbrunbooks.activities.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a running restore reads, recorded in the target's store ({@code <target>/holds/<restore-id>.json})
 * so retention leaves it alone: the base backup being unpacked and the WAL from its start. A hold
 * exists from the unpack until recovery has ended (or the restore is torn down); after that the
 * restored copy needs neither. A hold older than {@link #STALE_AFTER} is treated as left behind by
 * a restore that died without cleaning up.
 */
public final class RestoreHolds {
  public static final Duration STALE_AFTER = Duration.ofHours(48);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** @param startLsn the held backup's start LSN: WAL from there on is held too */
  public record Hold(String restoreId, String backupId, String startLsn, String createdAt) {
    public boolean staleAt(Instant now) {
      try {
        return Instant.parse(createdAt).plus(STALE_AFTER).isBefore(now);
      } catch (RuntimeException e) {
        return true;
      }
    }
  }

  private final BackupStore store;
  private final String target;

  public RestoreHolds(BackupStore store, String target) {
    this.store = store;
    this.target = target;
  }

  /** Records the hold; a retry that finds it recorded is done. */
  public void hold(String restoreId, String backupId, String startLsn) throws IOException {
    try (ArtifactUpload up = store.create(key(restoreId))) {
      up.stream().write(JSON.writeValueAsBytes(new Hold(restoreId, backupId, startLsn, Instant.now().toString())));
      up.stream().close();
      up.commit();
    } catch (FileAlreadyExistsException already) {
      // an earlier attempt of this restore recorded it
    }
  }

  public void release(String restoreId) throws IOException {
    store.deletePrefix(key(restoreId));
  }

  /** Every hold on the target now, stale ones included (the caller decides). */
  public List<Hold> list() throws IOException {
    List<Hold> holds = new ArrayList<>();
    for (String key : store.list(target + "/holds/")) {
      if (key.endsWith(".json")) {
        try (InputStream in = store.open(key)) {
          holds.add(JSON.readValue(in, Hold.class));
        } catch (java.nio.file.NoSuchFileException released) {
          // released between the listing and the read
        }
      }
    }
    return holds;
  }

  private String key(String restoreId) {
    return target + "/holds/" + restoreId + ".json";
  }
}
