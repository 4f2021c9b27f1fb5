package io.dbrunbooks.activities.restore;

import io.dbrunbooks.activities.postgres.LocalCluster;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import io.dbrunbooks.activities.wal.WalSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Test stand-in for the streaming archiver: switches to a new WAL segment and copies every
 * completed segment from the cluster's {@code pg_wal} into the target's {@link WalArchive}. The
 * cluster keeps its WAL ({@code wal_keep_size}) so nothing is recycled before it is pushed.
 */
final class WalSegmentPusher {
  private final LocalCluster cluster;
  private final WalArchive archive;
  private final Set<String> pushed = new HashSet<>();
  private int segmentSize;

  WalSegmentPusher(LocalCluster cluster, WalArchive archive) {
    this.cluster = cluster;
    this.archive = archive;
  }

  /** Records the cluster's identity in the archive and keeps its WAL from being recycled. */
  void init() throws IOException, SQLException {
    cluster.sql("postgres", "ALTER SYSTEM SET wal_keep_size = '4GB'", "SELECT pg_reload_conf()");
    String[] f = cluster.psql("postgres", "SELECT system_identifier, current_setting('wal_segment_size'),"
        + " current_setting('server_version_num') FROM pg_control_system()").strip().split("\\|");
    segmentSize = (int) parseSize(f[1]);
    archive.ensureInfo(f[0], segmentSize, Integer.parseInt(f[2]));
  }

  /** Ends the current segment and archives every complete one not archived yet; returns the names pushed. */
  List<String> pushCompleted() throws IOException {
    String insert = cluster.psql("postgres", "SELECT pg_switch_wal(), pg_current_wal_insert_lsn(), "
        + "(SELECT timeline_id FROM pg_control_checkpoint())").strip().split("\\|")[1];
    int timeline = Integer.parseInt(cluster.psql("postgres", "SELECT timeline_id FROM pg_control_checkpoint()").strip());
    WalSegment current = WalSegment.containing(timeline, Lsn.parse(insert).value(), segmentSize);
    Path walDir = cluster.dataDirectory().resolve("pg_wal");
    List<Path> complete;
    try (Stream<Path> s = Files.list(walDir)) {
      complete = s.filter(p -> WalSegment.isSegmentName(p.getFileName().toString()))
          .filter(p -> WalSegment.parse(p.getFileName().toString(), segmentSize).compareTo(current) < 0)
          .filter(p -> !pushed.contains(p.getFileName().toString()))
          .sorted().toList();
    }
    for (Path p : complete) {
      String name = p.getFileName().toString();
      archive.putSegment(WalSegment.parse(name, segmentSize), Files.readAllBytes(p));
      pushed.add(name);
    }
    return complete.stream().map(p -> p.getFileName().toString()).toList();
  }

  int segmentSize() {
    return segmentSize;
  }

  private static long parseSize(String setting) {
    String s = setting.strip();
    if (s.endsWith("MB")) {
      return Long.parseLong(s.substring(0, s.length() - 2)) << 20;
    }
    if (s.endsWith("GB")) {
      return Long.parseLong(s.substring(0, s.length() - 2)) << 30;
    }
    return Long.parseLong(s);
  }
}
