package io.dbrunbooks.activities.postgres;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.switchover.Promotions;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * The failures the PostgreSQL activities raise, with the type names the workflow and the CLI key
 * on. Non-retryable where a retry cannot help; messages name what a DBA needs to look at, never a
 * password.
 */
public final class PgFailures {
  public static final String UNKNOWN_TARGET = "UnknownTarget";
  public static final String SECRET_UNAVAILABLE = "SecretUnavailable";
  static final String AUTHENTICATION_FAILED = "AuthenticationFailed";
  static final String DATABASE_UNREACHABLE = "DatabaseUnreachable";
  static final String DATABASE_NOT_FOUND = "DatabaseNotFound";
  public static final String DATABASE_ERROR = "DatabaseError";
  public static final String INSUFFICIENT_PRIVILEGE = "InsufficientPrivilege";
  static final String UNSUPPORTED_LAYOUT = "UnsupportedClusterLayout";
  static final String LAG_TOO_HIGH = "ReplicationLagTooHigh";
  static final String INSUFFICIENT_SPACE = "InsufficientSpace";
  public static final String KEY_UNAVAILABLE = "KeyUnavailable";
  static final String TOOL_FAILED = "BackupToolFailed";
  static final String STORE_UNWRITABLE = "StoreUnwritable";
  public static final String STORE_ERROR = "StoreError";
  static final String VERIFICATION_FAILED = "BackupVerificationFailed";
  public static final String INVALID_REQUEST = "InvalidRequest";

  private PgFailures() {}

  public static ApplicationFailure nonRetryable(String type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  public static ApplicationFailure retryable(String type, String message) {
    return ApplicationFailure.newFailure(message, type);
  }

  /**
   * The target as an activity that connects to it needs it: {@code serving} resolves the name
   * (through the target's promotions, see {@link Promotions}); failures become the activity's.
   */
  public static TargetConfig target(Function<String, TargetConfig> serving, String name) {
    try {
      return serving.apply(name);
    } catch (UnknownTargetException e) {
      throw nonRetryable(UNKNOWN_TARGET, e.getMessage());
    } catch (Promotions.Unresolved e) {
      throw e.permanent() ? nonRetryable(KEY_UNAVAILABLE, e.getMessage()) : retryable(STORE_ERROR, e.getMessage());
    }
  }

  public static String describe(PostgresConnection c) {
    return "user '" + c.user() + "' at " + c.host() + ":" + c.port() + "/" + c.database();
  }

  /**
   * Classifies a failed pg_dump or pg_basebackup run by its stderr: a refused login or a missing
   * database will fail the same way on every retry; anything else may be transient.
   */
  static ApplicationFailure toolFailed(String target, PostgresConnection c, String tool, int exit, String stderrTail) {
    String where = "target '" + target + "': " + tool + " exited with " + exit + " for " + describe(c) + ":\n" + stderrTail;
    if (stderrTail.contains("password authentication failed") || stderrTail.contains("no password supplied")
        || stderrTail.contains("no pg_hba.conf entry")) {
      return nonRetryable(AUTHENTICATION_FAILED, where + "\ncheck the password source " + c.password() + " and pg_hba.conf"
          + (tool.equals("pg_basebackup") ? " (a physical backup needs a 'replication' entry)" : ""));
    }
    if (stderrTail.matches("(?s).*database \".*\" does not exist.*")) {
      return nonRetryable(DATABASE_NOT_FOUND, where);
    }
    return retryable(TOOL_FAILED, where);
  }

  /** Classifies a failed connection attempt by its SQLSTATE. */
  public static ApplicationFailure connectFailed(String target, PostgresConnection c, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String where = "target '" + target + "': " + describe(c);
    return switch (state) {
      case "28P01", "28000" -> nonRetryable(AUTHENTICATION_FAILED, where + " was refused (SQLSTATE " + state + "): "
          + e.getMessage() + "; check the password source " + c.password() + " and pg_hba.conf");
      case "3D000" -> nonRetryable(DATABASE_NOT_FOUND, where + ": " + e.getMessage());
      default -> state.startsWith("08")
          ? retryable(DATABASE_UNREACHABLE, "cannot reach PostgreSQL for " + where + " (SQLSTATE " + state + "): " + e.getMessage())
          : retryable(DATABASE_ERROR, where + " (SQLSTATE " + state + "): " + e.getMessage());
    };
  }
}
