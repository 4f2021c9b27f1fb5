package io.dbrunbooks.activities.evidence;

/** A JWS that is malformed or whose signature does not verify; the message says which and why. */
public class JwsException extends Exception {
  public JwsException(String message) {
    super(message);
  }
}
