package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command of the tree, found by walking picocli's model (so a command added later is covered
 * without touching this test): {@code -h} and {@code --help} print its usage and exit 0, whatever
 * options it requires; and its help text is written in whole sentences.
 */
class CliHelpTest {

  /** The command path of every command and subcommand below {@code runbooks}, and {@code runbooks} itself. */
  static Stream<Arguments> commands() {
    List<Arguments> all = new ArrayList<>();
    walk(new CommandLine(new RunbooksCli(Map.of())), List.of(), all, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    assertTrue(all.size() > 30, "the walk found the tree: " + all.size() + " commands");
    return all.stream();
  }

  private static void walk(CommandLine cl, List<String> path, List<Arguments> all, Set<CommandLine> seen) {
    if (!seen.add(cl)) {
      return; // an alias of a command already listed
    }
    all.add(Arguments.of(String.join(" ", path), cl.getCommandSpec()));
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      walk(sub.getValue(), next, all, seen);
    }
  }

  @ParameterizedTest(name = "runbooks {0} -h / --help")
  @MethodSource("commands")
  void everyCommandAnswersHelp(String path, CommandSpec spec) {
    for (String flag : List.of("-h", "--help")) {
      List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : Arrays.asList(path.split(" ")));
      args.add(flag);
      Cli.Result r = Cli.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), flag + ": " + r);
      assertTrue(r.out().contains("Usage: " + spec.qualifiedName() + " "), flag + ": " + r);
      assertEquals("", r.err(), flag + ": " + r);
    }
  }

  /**
   * picocli prints each element of a description (and header, footer) on a line of its own, so an
   * element that stops mid-sentence breaks the line there, wherever the terminal's edge is. The
   * rule checked: an element followed by another prose element ends a sentence ({@code . ! ?}) or
   * introduces what follows ({@code :}); an indented element (an example, a table row) or an empty
   * one may follow anything.
   */
  @ParameterizedTest(name = "runbooks {0}: help in whole sentences")
  @MethodSource("commands")
  void helpTextIsNotBrokenMidSentence(String path, CommandSpec spec) {
    List<String> problems = new ArrayList<>();
    check("description", spec.usageMessage().description(), problems);
    check("header", spec.usageMessage().header(), problems);
    check("footer", spec.usageMessage().footer(), problems);
    for (ArgSpec a : spec.args()) {
      String name = a instanceof CommandLine.Model.OptionSpec o ? o.longestName() : a.paramLabel();
      check(name, a.description(), problems);
    }
    assertTrue(problems.isEmpty(), "runbooks " + path + ":\n" + String.join("\n", problems));
  }

  private static void check(String where, String[] text, List<String> problems) {
    List<String> lines = new ArrayList<>();
    for (String element : text) {
      lines.addAll(Arrays.asList(element.split("%n", -1)));
    }
    for (int i = 0; i + 1 < lines.size(); i++) {
      String line = lines.get(i);
      String next = lines.get(i + 1);
      boolean prose = !line.isBlank() && !Character.isWhitespace(line.charAt(0));
      boolean nextProse = !next.isBlank() && !Character.isWhitespace(next.charAt(0));
      if (prose && nextProse && !line.strip().matches(".*[.!?:]$")) {
        problems.add(where + ": the line \"" + line + "\" stops mid-sentence before \"" + next + "\"");
      }
    }
  }
}
