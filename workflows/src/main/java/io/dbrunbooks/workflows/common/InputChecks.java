package io.dbrunbooks.workflows.common;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/**
 * The checks every runbook applies to its input before it touches anything: a refusal is an
 * {@link ApplicationFailure} of type {@value #INVALID_REQUEST}, non-retryable (no retry can fix
 * input) and without a stack trace (a person reads it in the Web UI and the CLI: the sentence is
 * the whole message). The run ends at once, so the target's lock (the workflow id) is released.
 */
public final class InputChecks {
  /** The failure type of every input refusal. */
  public static final String INVALID_REQUEST = "InvalidRequest";

  /**
   * Names that reach search attributes, logs, audit records and terminals. Temporal limits a
   * search attribute's value to 2 KB; a name is far shorter.
   */
  public static final int MAX_NAME_LENGTH = 256;

  /** Free text such as a ticket reference or a trigger description. */
  public static final int MAX_TEXT_LENGTH = 1024;

  private InputChecks() {}

  /** Longest refusal: a person reads it, and a failure must stay far below gRPC's message limit. */
  static final int MAX_MESSAGE_LENGTH = 2000;

  /** A non-retryable, stackless input refusal. */
  public static ApplicationFailure invalid(String message) {
    String m = message.length() <= MAX_MESSAGE_LENGTH ? message : message.substring(0, MAX_MESSAGE_LENGTH - 3) + "...";
    ApplicationFailure f = ApplicationFailure.newNonRetryableFailure(m, INVALID_REQUEST);
    f.setStackTrace(new StackTraceElement[0]);
    return f;
  }

  /** The target name: the same rule as the targets file. */
  public static String target(String target) {
    if (target == null || !RunbookOptions.TARGET_NAME.matcher(target).matches()) {
      throw invalid("field 'target' must be a target name from the worker's targets file (lower-case letters,"
          + " digits, '-' and '_', at most 63), got " + shown(target));
    }
    return target;
  }

  /** Who asked: required, one line of printable text, at most {@value #MAX_NAME_LENGTH} characters. */
  public static String operator(String operator, String field, String why) {
    if (operator == null || operator.isBlank()) {
      throw invalid("field '" + field + "' is required: " + why);
    }
    return name(field, operator);
  }

  /** An optional name (ticket, approver): absent is fine; present, it is one printable line. */
  public static String optionalName(String field, String value) {
    return value == null ? null : name(field, value);
  }

  /** Optional free text such as a trigger: printable, at most {@value #MAX_TEXT_LENGTH} characters. */
  public static String optionalText(String field, String value) {
    if (value == null) {
      return null;
    }
    if (value.length() > MAX_TEXT_LENGTH) {
      throw invalid("field '" + field + "' is " + value.length() + " characters long; at most " + MAX_TEXT_LENGTH + " are accepted");
    }
    refuseControls(field, value);
    return value;
  }

  private static String name(String field, String value) {
    if (value.length() > MAX_NAME_LENGTH) {
      throw invalid("field '" + field + "' is " + value.length() + " characters long; at most " + MAX_NAME_LENGTH
          + " are accepted");
    }
    refuseControls(field, value);
    if (value.codePoints().allMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp))) {
      throw invalid("field '" + field + "' is blank; leave it out or give a name");
    }
    return value;
  }

  private static void refuseControls(String field, String value) {
    int at = firstControl(value);
    if (at >= 0) {
      throw invalid(String.format(
          "field '%s' contains the control character U+%04X at position %d; names and references reach logs, audit"
              + " records and terminals, so line breaks, escapes and invisible formatting characters are refused",
          field, value.codePointAt(at), value.codePointCount(0, at) + 1));
    }
  }

  /**
   * The index of the first character a terminal or log would interpret rather than show: C0 and
   * C1 controls (newline, ESC, DEL) and format characters (bidirectional overrides, zero-width
   * characters); -1 if none.
   */
  public static int firstControl(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (unprintable(cp)) {
        return i;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  /** Control and format characters, line and paragraph separators (U+2028, U+2029), lone surrogates. */
  private static boolean unprintable(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || cp <= 0xFFFF && Character.isSurrogate((char) cp);
  }

  /** {@code s} with every control or format character written as {@code \\uXXXX}: safe to show. */
  public static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (unprintable(cp)) {
        b.append(String.format("\\u%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
      i += Character.charCount(cp);
    }
    return b.toString();
  }

  /** A value for a message: quoted, shortened, printable; "nothing" for null. */
  public static String shown(String value) {
    if (value == null) {
      return "nothing";
    }
    String s = value.length() > 80 ? value.substring(0, 77) + "..." : value;
    return "'" + printable(s) + "'";
  }

  /**
   * The run's workflow id must be {@code expected}: that id is the lock that keeps two runs of one
   * kind on one target (or restore) apart.
   */
  public static void workflowId(String expected, String what) {
    String actual = Workflow.getInfo().getWorkflowId();
    if (!expected.equals(actual)) {
      throw invalid("start the " + what + " with workflow id '" + expected + "' (got " + shown(actual)
          + "): that id is the lock that keeps two of them from running at once");
    }
  }
}
