package io.dbrunbooks.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of every verb: {@code -h/--help}, access to the root's global options ({@code --json},
 * {@code --targets}, the environment) and to the output streams picocli was given, so tests can run
 * commands in-process.
 */
abstract class CliCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Declared here so every command, however deep, answers it; picocli then skips required options. */
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  RunbooksCli cli() {
    return (RunbooksCli) spec.root().userObject();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  boolean json() {
    return cli().json;
  }

  void printJson(Object value) {
    try {
      out().println(RunbooksCli.JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output: " + e.getMessage(), e);
    }
  }
}
