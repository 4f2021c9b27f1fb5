package io.dbrunbooks.activities.wal;

import java.io.IOException;

/**
 * The archive refuses an operation for a reason retrying will not fix: it belongs to another
 * cluster, an object's checksum disagrees with its name, or two different segments claim one name.
 * The message says what to do.
 */
public class WalArchiveException extends IOException {
  public WalArchiveException(String message) {
    super(message);
  }

  public WalArchiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
