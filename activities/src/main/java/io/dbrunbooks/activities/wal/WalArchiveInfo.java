package io.dbrunbooks.activities.wal;

/**
 * The identity of the cluster whose WAL an archive holds ({@code <target>/wal/archive.json}). WAL of
 * two clusters must never mix: a re-created database has a new system identifier, and its segment
 * names start over.
 *
 * @param serverVersionNum {@code server_version_num}, e.g. 150018
 */
public record WalArchiveInfo(String systemIdentifier, int segmentSize, int serverVersionNum, String createdAt) {

  /** Major version as PostgreSQL counts it since 10 (150018 → 15). */
  public int majorVersion() {
    return serverVersionNum / 10000;
  }
}
