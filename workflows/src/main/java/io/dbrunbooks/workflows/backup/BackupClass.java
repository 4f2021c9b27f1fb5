package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookOptions;
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
  /**
   * The project's rule for names (targets, schedules): 1-63 lower-case letters, digits, '-' and
   * '_', not starting with '-' or '_'; so {@code 6-hourly} is a class name.
   */
  public static final Pattern NAME = RunbookOptions.TARGET_NAME;

  /** Said wherever a bad class name is refused (workflow start, CLI, targets file). */
  public static final String RULE = "a class name is 1-63 lower-case letters, digits, '-' and '_', starting with a"
      + " letter or digit (e.g. hourly, daily, weekly, 6-hourly)";

  private BackupClass() {}

  /** Absent is fine (unclassed); present, it must match {@link #NAME}. */
  public static String check(String backupClass) {
    if (backupClass != null && !NAME.matcher(backupClass).matches()) {
      throw InputChecks.invalid("field 'backupClass': " + RULE + ", got " + InputChecks.shown(backupClass));
    }
    return backupClass;
  }
}
