package io.dbrunbooks.activities.evidence;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A write-once store for evidence: audit entries and signed manifests. Nothing written here is
 * ever overwritten or deleted by db-runbooks.
 */
public interface EvidenceRegistry {

  String uri();

  String locationOf(String path);

  /**
   * Writes {@code content} at {@code path} once. Writing the very same bytes again (a retried
   * activity) is accepted and returns false; different bytes throw {@link EvidenceConflictException}.
   *
   * @return true when this call created the entry
   */
  boolean putOnce(String path, byte[] content) throws IOException;

  Optional<byte[]> get(String path) throws IOException;

  /** Paths under {@code prefix}, sorted. */
  List<String> list(String prefix) throws IOException;
}
