package io.dbrunbooks.starter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A documented {@code temporal} command that starts a workflow with an input: {@code temporal
 * workflow start|execute|signal-with-start}, or {@code temporal schedule create|update} (whose
 * action starts one on each run), with the options that decide what runs.
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
    TemporalOptions o = new TemporalOptions(page, w, 3);
    String where = DocPages.name(page) + ":" + command.line();
    return Optional.of(new TemporalStartExample(where, command.text(), o.get("--type"), o.get("--workflow-id"),
        o.get("--task-queue"), o.all("--input"), scheduled));
  }
}
