package io.dbrunbooks.starter;

import picocli.CommandLine.ParameterException;

/** A noun that only groups verbs ({@code backup}, {@code keys}, ...): called alone it is a usage error. */
public abstract class CommandGroup extends CliCommand {
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command: choose one of " + String.join(", ", spec.subcommands().keySet()));
  }
}
