package io.dbrunbooks.starter;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code runbooks} in this JVM and captures what it printed. */
public final class Cli {
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private Cli() {}

  public static Result run(String... args) {
    return run(Map.of(), args);
  }

  /** {@code env} is added to the process environment (as a user exporting variables would). */
  public static Result run(Map<String, String> env, String... args) {
    Map<String, String> all = new HashMap<>(System.getenv());
    all.remove("TEMPORAL_ADDRESS");
    all.putAll(env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = RunbooksCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Result(code, out.toString(), err.toString());
  }
}
