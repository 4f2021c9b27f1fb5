package io.dbrunbooks.workflows.common;

/**
 * An update's validator saying no, in a sentence a person reads (in the CLI, the Web UI, the
 * temporal CLI) with nothing under it: no Java stack trace, and no cause. The sentence names what
 * was refused and what would be accepted; where it was thrown says nothing to the reader.
 *
 * <p>Not an {@code ApplicationFailure}: the SDK (1.38) wraps a {@code TemporalFailure} thrown by a
 * validator in its own exception and sends that one's stack trace along, about a dozen lines of SDK
 * frames; any other exception is sent as it is, so this one, without a stack trace, arrives as the
 * sentence alone. A rejected update is never retried and leaves nothing in the history.
 */
public final class RefusedUpdate extends RuntimeException {
  public RefusedUpdate(String sentence) {
    super(sentence, null, false, false);
  }
}
