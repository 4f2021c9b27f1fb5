package io.dbrunbooks.starter;

import io.dbrunbooks.workflows.common.InputChecks;

/**
 * The one line the workflow list shows for a run the CLI starts ("backup of orders (physical) by
 * alice"). It is stored with the run before the workflow has checked its input, so whatever a
 * person typed is made printable and short here: the run itself refuses a name with control
 * characters or over 256 characters in its first step.
 */
public final class StaticSummary {
  public static final int MAX = 200;

  private StaticSummary() {}

  public static String of(String text) {
    String s = InputChecks.printable(text);
    return s.length() <= MAX ? s : s.substring(0, MAX - 3) + "...";
  }
}
