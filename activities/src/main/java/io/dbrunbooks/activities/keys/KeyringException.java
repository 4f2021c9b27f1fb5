package io.dbrunbooks.activities.keys;

import java.io.IOException;

/**
 * A keyring problem that retrying cannot fix: the file is missing, readable by others, malformed,
 * or does not hold the key asked for. The message names the file and what to do.
 */
public class KeyringException extends IOException {
  public KeyringException(String message) {
    super(message);
  }

  public KeyringException(String message, Throwable cause) {
    super(message, cause);
  }
}
