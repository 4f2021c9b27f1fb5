package io.dbrunbooks.activities.evidence;

/** An audit chain that is not intact, or cannot be extended; names the first entry that fails. */
public class BrokenChainException extends Exception {
  private final long sequence;

  public BrokenChainException(long sequence, String message) {
    super(message);
    this.sequence = sequence;
  }

  /** Sequence number of the first entry whose check failed. */
  public long sequence() {
    return sequence;
  }
}
