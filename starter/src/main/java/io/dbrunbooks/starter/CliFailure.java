package io.dbrunbooks.starter;

/**
 * A command ends with a message a person can act on and a documented exit code (see {@link
 * RunbooksCli}). Thrown instead of printing and returning so that helpers shared by several
 * commands (connecting, loading the targets file) can stop any of them the same way.
 */
public final class CliFailure extends RuntimeException {
  private final int exitCode;

  public CliFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliFailure(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static CliFailure failed(String message) {
    return new CliFailure(RunbooksCli.EXIT_FAILED, message);
  }

  public static CliFailure usage(String message) {
    return new CliFailure(RunbooksCli.EXIT_USAGE, message);
  }
}
