package io.dbrunbooks.worker;

/**
 * The worker cannot start for a reason the operator can fix (port in use, server unreachable,
 * search attributes not registered). The message says what to do; no stack trace is needed.
 */
public class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
