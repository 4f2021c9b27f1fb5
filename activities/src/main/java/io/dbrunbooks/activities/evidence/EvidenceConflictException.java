package io.dbrunbooks.activities.evidence;

/** Someone tried to change evidence that is already written. */
public class EvidenceConflictException extends RuntimeException {
  public EvidenceConflictException(String location) {
    super("evidence at " + location + " already exists with different content; evidence is write-once");
  }
}
