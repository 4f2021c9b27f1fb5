package io.dbrunbooks.starter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A documented {@code temporal} command that starts a workflow with an input: {@code temporal
 * workflow start|execute|signal-with-start}, or {@code temporal schedule create|update} (whose
 * action starts one on each run), with the options that decide what runs: {@code --type},
 * {@code --workflow-id}/{@code -w}, {@code --task-queue}/{@code -t} and {@code --input}/{@code -i}
 * or {@code --input-file}.
 *
 * @param inputs every {@code --input} value, and the contents of every {@code --input-file}
 */
record TemporalStartExample(String where, String command, String type, String workflowId, String taskQueue,
    List<String> inputs, boolean scheduled) {

  /** The command as a start example, or empty when it starts no workflow. */
  static Optional<TemporalStartExample> of(Path page, ShellWords.Command command) {
    List<String> w = command.words();
    if (w.size() < 3 || !w.get(0).equals("temporal")) {
      return Optional.empty();
    }
    String verb = w.get(1) + " " + w.get(2);
    boolean scheduled = verb.equals("schedule create") || verb.equals("schedule update");
    if (!scheduled && !List.of("workflow start", "workflow execute", "workflow signal-with-start").contains(verb)) {
      return Optional.empty();
    }
    String type = null;
    String workflowId = null;
    String taskQueue = null;
    List<String> inputs = new ArrayList<>();
    for (int i = 3; i < w.size(); i++) {
      String option = w.get(i);
      String value = null;
      int eq = option.indexOf('=');
      if (option.startsWith("--") && eq > 0) {
        value = option.substring(eq + 1);
        option = option.substring(0, eq);
      } else if (i + 1 < w.size()) {
        value = w.get(i + 1);
      }
      switch (option) {
        case "--type" -> type = value;
        case "--workflow-id", "-w" -> workflowId = value;
        case "--task-queue", "-t" -> taskQueue = value;
        case "--input", "-i" -> inputs.add(value);
        case "--input-file" -> inputs.add(readInputFile(page, value));
        default -> {
          continue;
        }
      }
      if (!w.get(i).contains("=")) {
        i++;
      }
    }
    String where = DocPages.name(page) + ":" + command.line();
    return Optional.of(new TemporalStartExample(where, command.text(), type, workflowId, taskQueue, List.copyOf(inputs), scheduled));
  }

  /** An {@code --input-file} is read relative to the page, else to the repository root. */
  private static String readInputFile(Path page, String file) {
    for (Path candidate : List.of(page.getParent().resolve(file), DocPages.root().resolve(file))) {
      if (Files.isRegularFile(candidate)) {
        return DocPages.read(candidate);
      }
    }
    throw new AssertionError("--input-file " + file + " named in " + DocPages.name(page) + " does not exist");
  }
}
