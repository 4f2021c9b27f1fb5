package io.dbrunbooks.starter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of a documented {@code temporal} command that decide what it starts or sends, by
 * their long names ({@code -w}, {@code -t}, {@code -i} read as {@code --workflow-id},
 * {@code --task-queue}, {@code --input}). An {@code --input-file} or {@code --signal-input-file}
 * is read (relative to the page, else to the repository root) and counts as an input.
 */
final class TemporalOptions {
  private static final Map<String, String> ALIASES = Map.of("-w", "--workflow-id", "-t", "--task-queue", "-i", "--input");
  private static final List<String> WITH_VALUE = List.of("--type", "--workflow-id", "--task-queue", "--input",
      "--input-file", "--name", "--signal-name", "--signal-input", "--signal-input-file");

  private final Map<String, List<String>> values = new LinkedHashMap<>();

  TemporalOptions(Path page, List<String> words, int from) {
    for (int i = from; i < words.size(); i++) {
      String option = words.get(i);
      String value = null;
      int eq = option.indexOf('=');
      if (option.startsWith("--") && eq > 0) {
        value = option.substring(eq + 1);
        option = option.substring(0, eq);
      }
      option = ALIASES.getOrDefault(option, option);
      if (!WITH_VALUE.contains(option)) {
        continue;
      }
      if (value == null) {
        value = i + 1 < words.size() ? words.get(++i) : null;
      }
      if (option.endsWith("-file") && value != null) {
        option = option.substring(0, option.length() - "-file".length());
        value = readFile(page, value);
      }
      values.computeIfAbsent(option, k -> new ArrayList<>()).add(value);
    }
  }

  /** The option's last value, or null. */
  String get(String option) {
    List<String> all = values.get(option);
    return all == null ? null : all.get(all.size() - 1);
  }

  /** Every value the option was given, in order. */
  List<String> all(String option) {
    return List.copyOf(values.getOrDefault(option, List.of()));
  }

  private static String readFile(Path page, String file) {
    for (Path candidate : List.of(page.getParent().resolve(file), DocPages.root().resolve(file))) {
      if (Files.isRegularFile(candidate)) {
        return DocPages.read(candidate);
      }
    }
    throw new AssertionError("the input file " + file + " named in " + DocPages.name(page) + " does not exist");
  }
}
