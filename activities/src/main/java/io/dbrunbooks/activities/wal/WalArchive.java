package io.dbrunbooks.activities.wal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.dbrunbooks.activities.crypto.DecryptingInputStream;
import io.dbrunbooks.activities.crypto.EncryptingOutputStream;
import io.dbrunbooks.activities.evidence.Digests;
import io.dbrunbooks.activities.keys.DataKey;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.store.ArtifactUpload;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.RelativeKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A target's continuous WAL archive inside its backup store, under {@code <target>/wal/}:
 *
 * <pre>
 * archive.json                                       which cluster this WAL belongs to
 * 0000000100000000/000000010000000000000003-&lt;sha256&gt;.zst.aes      a complete segment
 * partial/000000010000000000000004/00000000-0001A000-&lt;sha256&gt;.zst.aes   bytes [0, 0x1A000) of one being filled
 * 00000002.history-&lt;sha256&gt;.zst.aes                 a timeline history file
 * </pre>
 *
 * Every object is zstd-compressed and envelope-encrypted under its own data key, and carries the
 * SHA-256 of its plaintext in its name (pgbackrest's {@code name-checksum} convention), so an object
 * swapped for another or damaged is refused on fetch even before PostgreSQL's own record CRCs look at it.
 * Names are content-addressed, which makes every write idempotent: a retry that finds its object
 * committed is done.
 *
 * <p>Deltas exist for the recovery point: a segment takes minutes to fill under a light load, so the
 * archiver uploads what it has about every second and the complete segment replaces the deltas
 * once it is full.
 */
public final class WalArchive {
  static final String SUFFIX = ".zst.aes";
  private static final int ZSTD_LEVEL = 3;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SEGMENT = Pattern.compile("([0-9A-F]{16})/([0-9A-F]{24})-([0-9a-f]{64})" + Pattern.quote(SUFFIX));
  private static final Pattern DELTA =
      Pattern.compile("partial/([0-9A-F]{24})/([0-9A-F]{8})-([0-9A-F]{8})-([0-9a-f]{64})" + Pattern.quote(SUFFIX));
  private static final Pattern HISTORY = Pattern.compile("([0-9A-F]{8})\\.history-([0-9a-f]{64})" + Pattern.quote(SUFFIX));
  private static final Pattern HISTORY_NAME = Pattern.compile("[0-9A-F]{8}\\.history");
  /** What PostgreSQL assumes when an archive is read before the archiver wrote its identity. */
  static final int DEFAULT_SEGMENT_SIZE = 16 << 20;

  private final BackupStore store;
  private final KeySource keys;
  private final String target;
  private final String root;

  public WalArchive(BackupStore store, KeySource keys, String target) {
    this.store = store;
    this.keys = keys;
    this.target = target;
    this.root = RelativeKeys.check("target name", target, true) + "/wal/";
  }

  /** Where the archive lives, for messages: e.g. {@code file:/backups/orders/wal/}. */
  public String location() {
    String archiveJson = store.locationOf(root + "archive.json");
    return archiveJson.substring(0, archiveJson.length() - "archive.json".length());
  }

  public Optional<WalArchiveInfo> info() throws IOException {
    String key = root + "archive.json";
    if (!store.exists(key)) {
      return Optional.empty();
    }
    try (InputStream in = store.open(key)) {
      return Optional.of(JSON.readValue(in, WalArchiveInfo.class));
    }
  }

  /**
   * Records which cluster this archive belongs to, on first use, and afterwards refuses any other:
   * a re-created database or a target pointed at another server must not mix its WAL into this one.
   */
  public WalArchiveInfo ensureInfo(String systemIdentifier, int segmentSize, int serverVersionNum) throws IOException {
    Optional<WalArchiveInfo> existing = info();
    if (existing.isEmpty()) {
      WalArchiveInfo fresh = new WalArchiveInfo(systemIdentifier, segmentSize, serverVersionNum, Instant.now().toString());
      try (ArtifactUpload up = store.create(root + "archive.json")) {
        up.stream().write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(fresh));
        up.stream().close();
        up.commit();
        return fresh;
      } catch (FileAlreadyExistsException race) {
        existing = info(); // another archiver got there first; compare with what it wrote
      }
    }
    WalArchiveInfo have = existing.orElseThrow();
    if (!have.systemIdentifier().equals(systemIdentifier)) {
      throw new WalArchiveException("the WAL archive at " + location() + " belongs to the cluster with system identifier "
          + have.systemIdentifier() + ", but target '" + target + "' now reports " + systemIdentifier
          + ": the database was re-created or the target points at another server. Its WAL cannot continue this archive;"
          + " move the old archive away (and take a new base backup) or point the target at its original server");
    }
    if (have.segmentSize() != segmentSize || have.majorVersion() != serverVersionNum / 10000) {
      throw new WalArchiveException("the WAL archive at " + location() + " holds " + have.segmentSize()
          + "-byte segments of PostgreSQL " + have.majorVersion() + ", but target '" + target + "' now runs "
          + segmentSize + "-byte segments on PostgreSQL " + serverVersionNum / 10000 + "; start a new archive");
    }
    return have;
  }

  /**
   * Stores one complete segment, then removes its deltas. Idempotent: the same content already
   * stored is success; different content under the same segment name is refused.
   */
  public void putSegment(WalSegment seg, byte[] content) throws IOException {
    if (content.length != seg.segmentSize()) {
      throw new IllegalArgumentException("segment " + seg + " must be " + seg.segmentSize() + " bytes, got " + content.length);
    }
    String sha = Digests.sha256Hex(content);
    String name = seg.name();
    for (String existing : store.list(root + name.substring(0, 16) + "/" + name + "-")) {
      if (!existing.equals(segmentKey(seg, sha))) {
        throw new WalArchiveException("segment " + name + " is already archived with other content at "
            + store.locationOf(existing) + " (this copy's SHA-256 is " + sha + "): two clusters are writing into one"
            + " archive, or the archive was restored from elsewhere; run `runbooks wal verify --target " + target + "`");
      }
    }
    write(segmentKey(seg, sha), content, content.length);
    store.deletePrefix(partialPrefix(seg));
  }

  /** Stores bytes [startOffset, startOffset + length) of a segment still being written. */
  public void putPartial(WalSegment seg, int startOffset, byte[] data, int length) throws IOException {
    if (startOffset < 0 || length <= 0 || (long) startOffset + length > seg.segmentSize() || length > data.length) {
      throw new IllegalArgumentException("delta [" + startOffset + ", +" + length + ") does not fit segment " + seg);
    }
    byte[] bytes = length == data.length ? data : java.util.Arrays.copyOf(data, length);
    String sha = Digests.sha256Hex(bytes);
    write(partialPrefix(seg) + String.format("%08X-%08X-", startOffset, startOffset + length) + sha + SUFFIX, bytes, length);
  }

  public void putHistory(int timeline, byte[] content) throws IOException {
    String sha = Digests.sha256Hex(content);
    String prefix = root + String.format("%08X.history-", timeline);
    for (String existing : store.list(prefix)) {
      if (!existing.equals(prefix + sha + SUFFIX)) {
        throw new WalArchiveException("the history of timeline " + timeline + " is already archived with other content at "
            + store.locationOf(existing) + "; two clusters are writing into one archive");
      }
    }
    write(prefix + sha + SUFFIX, content, content.length);
  }

  /** Everything the archive holds now, from one listing of {@code <target>/wal/}. */
  public WalListing list() throws IOException {
    int segmentSize = info().map(WalArchiveInfo::segmentSize).orElse(DEFAULT_SEGMENT_SIZE);
    Map<WalSegment, String> segments = new HashMap<>();
    Map<WalSegment, List<WalListing.Delta>> partials = new HashMap<>();
    Map<Integer, String> histories = new HashMap<>();
    List<String> unrecognized = new ArrayList<>();
    for (String key : store.list(root)) {
      String rel = key.substring(root.length());
      Matcher m;
      if (rel.equals("archive.json")) {
        continue;
      } else if ((m = SEGMENT.matcher(rel)).matches() && m.group(2).startsWith(m.group(1))) {
        segments.put(WalSegment.parse(m.group(2), segmentSize), key);
      } else if ((m = DELTA.matcher(rel)).matches()) {
        int start = Integer.parseInt(m.group(2), 16);
        int end = Integer.parseInt(m.group(3), 16);
        if (end > start && end <= segmentSize) {
          partials.computeIfAbsent(WalSegment.parse(m.group(1), segmentSize), s -> new ArrayList<>())
              .add(new WalListing.Delta(start, end, m.group(4), key));
        } else {
          unrecognized.add(key);
        }
      } else if ((m = HISTORY.matcher(rel)).matches()) {
        histories.put((int) Long.parseLong(m.group(1), 16), key);
      } else {
        unrecognized.add(key);
      }
    }
    return new WalListing(segmentSize, segments, partials, histories, unrecognized);
  }

  /**
   * Writes the WAL file PostgreSQL asks for ({@code restore_command}'s {@code %f}) to {@code dest}:
   * a complete segment, a partial one assembled from its deltas and zero-padded (recovery then
   * stops where the archived WAL ends), or a timeline history file. The file appears atomically.
   *
   * @return false when the archive has no such file
   * @throws WalArchiveException when a stored object fails its checksum or authentication
   */
  public boolean fetch(String walFileName, Path dest) throws IOException {
    byte[] content;
    if (HISTORY_NAME.matcher(walFileName).matches()) {
      List<String> found = store.list(root + walFileName + "-");
      if (found.isEmpty()) {
        return false;
      }
      content = readVerified(found.get(0));
    } else if (WalSegment.isSegmentName(walFileName)) {
      int segmentSize = info().map(WalArchiveInfo::segmentSize).orElse(DEFAULT_SEGMENT_SIZE);
      WalSegment seg = WalSegment.parse(walFileName, segmentSize);
      byte[] archived;
      try {
        archived = readArchived(seg);
      } catch (java.nio.file.NoSuchFileException gone) {
        // The archiver completed the segment between our listing and our read, and removed its
        // deltas: the complete segment is there now.
        archived = readArchived(seg);
      }
      if (archived.length == 0) {
        return false;
      }
      content = archived.length == segmentSize ? archived : java.util.Arrays.copyOf(archived, segmentSize);
    } else {
      return false; // e.g. a .backup or .partial name: this archive keeps neither
    }
    Path tmp = dest.resolveSibling(dest.getFileName() + ".runbooks-fetch");
    Files.write(tmp, content);
    Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  /**
   * Fetches up to {@code count} complete segments following {@code seg} on its timeline into
   * {@code spool}, {@code threads} at a time, each checked like {@link #fetch} and renamed into
   * place only when whole. Stops at the first segment not archived complete (the one being filled
   * is always fetched fresh). This is what lets replay run at the speed of the disk rather than of
   * one {@code restore_command} process per segment: the next calls find their file in the spool.
   *
   * @return how many segments this call put into the spool
   */
  public int prefetch(WalSegment seg, int count, Path spool, int threads) throws IOException {
    Files.createDirectories(spool);
    Map<String, List<String>> listings = new HashMap<>();
    List<String[]> todo = new ArrayList<>(); // {segment name, store key}
    WalSegment s = seg;
    for (int i = 0; i < count; i++) {
      s = s.next();
      String name = s.name();
      String dir = root + name.substring(0, 16) + "/";
      List<String> keys = listings.get(dir);
      if (keys == null) {
        keys = store.list(dir);
        listings.put(dir, keys);
      }
      String key = keys.stream().filter(k -> k.startsWith(dir + name + "-")).findFirst().orElse(null);
      if (key == null) {
        break;
      }
      if (!Files.exists(spool.resolve(name))) {
        todo.add(new String[] {name, key});
      }
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "wal-prefetch");
      t.setDaemon(true);
      return t;
    });
    try {
      List<java.util.concurrent.Future<?>> running = new ArrayList<>();
      for (String[] t : todo) {
        running.add(pool.submit(() -> {
          byte[] content = readVerified(t[1]);
          Path tmp = spool.resolve(t[0] + ".runbooks-fetch");
          Files.write(tmp, content);
          Files.move(tmp, spool.resolve(t[0]), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          return null;
        }));
      }
      int done = 0;
      for (java.util.concurrent.Future<?> f : running) {
        try {
          f.get();
          done++;
        } catch (java.util.concurrent.ExecutionException e) {
          // Left for the on-demand fetch of that segment, which reports the problem where it counts.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return done;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The archived bytes of one segment: all of it when complete, else the contiguous head its deltas
   * cover (possibly empty). The archiver uses this to finish a segment it began before a restart.
   */
  public byte[] readArchived(WalSegment seg) throws IOException {
    String name = seg.name();
    List<String> complete = store.list(root + name.substring(0, 16) + "/" + name + "-");
    if (!complete.isEmpty()) {
      return readVerified(complete.get(0));
    }
    List<WalListing.Delta> deltas = new ArrayList<>();
    for (String key : store.list(partialPrefix(seg))) {
      Matcher m = DELTA.matcher(key.substring(root.length()));
      if (m.matches()) {
        deltas.add(new WalListing.Delta(Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16), m.group(4), key));
      }
    }
    deltas.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start()) : Integer.compare(b.end(), a.end()));
    int end = WalListing.contiguousEnd(deltas);
    byte[] head = new byte[end];
    int covered = 0;
    for (WalListing.Delta d : deltas) {
      if (d.start() > covered) {
        break;
      }
      if (d.end() <= covered) {
        continue;
      }
      byte[] bytes = readVerified(d.key());
      if (bytes.length != d.end() - d.start()) {
        throw new WalArchiveException("delta " + store.locationOf(d.key()) + " holds " + bytes.length
            + " bytes, its name says " + (d.end() - d.start()));
      }
      System.arraycopy(bytes, covered - d.start(), head, covered, d.end() - covered);
      covered = d.end();
    }
    return head;
  }

  /** Decrypts and decompresses one object, checking the plaintext against the checksum in its name. */
  public byte[] readVerified(String key) throws IOException {
    Matcher m = Pattern.compile("-([0-9a-f]{64})" + Pattern.quote(SUFFIX) + "$").matcher(key);
    if (!m.find()) {
      throw new WalArchiveException("not a WAL archive object: " + store.locationOf(key));
    }
    byte[] plain;
    try (InputStream in = new ZstdInputStream(new DecryptingInputStream(store.open(key), keys::unwrap))) {
      plain = in.readAllBytes();
    } catch (java.nio.file.NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new WalArchiveException(store.locationOf(key) + " is damaged and cannot be used: " + e.getMessage(), e);
    }
    String actual = Digests.sha256Hex(plain);
    if (!actual.equals(m.group(1))) {
      throw new WalArchiveException(store.locationOf(key) + " is damaged: its content has SHA-256 " + actual
          + ", its name records " + m.group(1));
    }
    return plain;
  }

  private void write(String key, byte[] content, int length) throws IOException {
    DataKey dataKey = keys.newDataKey();
    try (ArtifactUpload up = store.create(key)) {
      OutputStream out = new ZstdOutputStream(
          new EncryptingOutputStream(up.stream(), dataKey.plaintext(), dataKey.wrappingKeyId(), dataKey.wrapped()), ZSTD_LEVEL);
      out.write(content, 0, length);
      out.close();
      up.commit();
    } catch (FileAlreadyExistsException e) {
      // Names are content-addressed: an earlier attempt already stored exactly these bytes.
    } finally {
      dataKey.destroy();
    }
  }

  String segmentKey(WalSegment seg, String sha) {
    return root + seg.name().substring(0, 16) + "/" + seg.name() + "-" + sha + SUFFIX;
  }

  String partialPrefix(WalSegment seg) {
    return root + "partial/" + seg.name() + "/";
  }
}
