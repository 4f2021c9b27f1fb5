package io.dbrunbooks.activities.evidence;

import java.io.IOException;

/**
 * The evidence registry cannot keep evidence as promised and retrying will not change that: a bucket
 * without Object Lock, a missing bucket, a refused permission. The message names the bucket and
 * what to change.
 */
public class EvidenceRegistryException extends IOException {
  public EvidenceRegistryException(String message) {
    super(message);
  }

  public EvidenceRegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
