package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.InputChecks;
import java.util.regex.Pattern;

/**
 * A backup's class: the name of the plan that took it ({@code hourly}, {@code daily},
 * {@code weekly}, {@code pre-deploy}, ...). Retention keeps a backup of a class listed in the
 * target's {@code retention.classes} for that class's own period. A backup without a class is
 * unclassed and follows the recovery window, like every backup sealed before classes existed.
 *
 * <p>The name reaches the sealed manifest, the catalog, the CLI's table and the targets file's keys,
 * so it is kept to a safe, short pattern.
 */
public final class BackupClass {
  /** Lower-case letter first, then letters, digits, '-' and '_'; at most 32 characters. */
  public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  /** Said wherever a bad class name is refused (workflow start, CLI, targets file). */
  public static final String RULE = "a class name is a lower-case letter followed by up to 31 lower-case letters,"
      + " digits, '-' and '_' (e.g. hourly, daily, weekly)";

  private BackupClass() {}

  /** Absent is fine (unclassed); present, it must match {@link #NAME}. */
  public static String check(String backupClass) {
    if (backupClass != null && !NAME.matcher(backupClass).matches()) {
      throw InputChecks.invalid("field 'backupClass': " + RULE + ", got " + InputChecks.shown(backupClass));
    }
    return backupClass;
  }
}
