package io.dbrunbooks.activities.monitoring;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.RelativeKeys;
import io.dbrunbooks.workflows.monitoring.OpenAlert;
import io.dbrunbooks.workflows.monitoring.WalWatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * A target's alert book in its backup store: the open incidents, the WAL watermark, and the last
 * change with the check run that made it.
 *
 * <p>The store never replaces an object, so each change is a new version,
 * {@code <target>/alerts/book-<10 digits>.json}, and the highest version is the book. A commit of a
 * version that exists fails: two writers cannot both win (the freshness check's workflow id makes
 * it the only writer anyway). The previous version is kept for a person to compare; older ones
 * are deleted.
 */
public final class AlertBook {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** What one check changed, kept so a retry of that check's update returns it again. */
  public record Change(String checkRun, String observedAt, List<OpenAlert> raised, List<OpenAlert> resolved) {
    public Change {
      raised = raised == null ? List.of() : List.copyOf(raised);
      resolved = resolved == null ? List.of() : List.copyOf(resolved);
    }
  }

  /** One version of the book; version 0 is the empty book of a target never checked. */
  public record State(long version, String target, List<OpenAlert> open, WalWatch walWatch, Change lastChange) {
    public State {
      open = open == null ? List.of() : List.copyOf(open);
    }
  }

  private final BackupStore store;
  private final String target;
  private final String prefix;

  public AlertBook(BackupStore store, String target) {
    this.store = store;
    this.target = target;
    this.prefix = RelativeKeys.check("target name", target, true) + "/alerts/book-";
  }

  /** The newest version, or the empty book. */
  public State read() throws IOException {
    List<String> keys = versions();
    for (int i = keys.size() - 1; i >= 0; i--) {
      try (InputStream in = store.open(keys.get(i))) {
        return JSON.readValue(in, State.class);
      } catch (NoSuchFileException deleted) {
        // pruned between the listing and the read by a newer write: the next newest is older still, so list again
        return read();
      }
    }
    return new State(0, target, List.of(), null, null);
  }

  /**
   * Writes {@code next} as version {@code next.version()}, then prunes versions before the previous one.
   *
   * @throws java.nio.file.FileAlreadyExistsException when that version exists (another writer)
   */
  public void write(State next) throws IOException {
    String key = key(next.version());
    try (ArtifactUpload up = store.create(key)) {
      up.stream().write(JSON.writeValueAsBytes(next));
      up.stream().close();
      up.commit();
    }
    for (String old : versions()) {
      if (old.compareTo(key(next.version() - 1)) < 0) {
        store.deletePrefix(old);
      }
    }
  }

  /** Where the book lives, for messages: e.g. {@code file:/backups/orders/alerts/}. */
  public String location() {
    String any = store.locationOf(key(0));
    return any.substring(0, any.lastIndexOf('/') + 1);
  }

  private List<String> versions() throws IOException {
    return store.list(prefix).stream().filter(k -> k.matches(".*/book-\\d{10}\\.json")).sorted().toList();
  }

  private String key(long version) {
    return prefix + String.format("%010d", version) + ".json";
  }
}
