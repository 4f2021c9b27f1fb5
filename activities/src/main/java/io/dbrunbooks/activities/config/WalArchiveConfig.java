package io.dbrunbooks.activities.config;

import java.time.Duration;

/**
 * How the target's WAL archiver streams ({@code walArchive:} in the targets file, optional).
 *
 * @param slot physical replication slot the archiver owns, or null for {@link #defaultSlot(String)}
 * @param flushInterval how often the segment being filled is uploaded: the recovery point objective
 *     is about this plus one upload
 */
public record WalArchiveConfig(String slot, Duration flushInterval) {
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
  public static final WalArchiveConfig DEFAULT = new WalArchiveConfig(null, DEFAULT_FLUSH_INTERVAL);

  /** The slot name to use for {@code target}: the configured one, or {@link #defaultSlot(String)}. */
  public String slotFor(String target) {
    return slot != null ? slot : defaultSlot(target);
  }

  /** {@code db_runbooks_<target>}: slot names allow only [a-z0-9_] and 63 characters. */
  public static String defaultSlot(String target) {
    String s = "db_runbooks_" + target.replaceAll("[^a-z0-9_]", "_");
    return s.length() > 63 ? s.substring(0, 63) : s;
  }
}
