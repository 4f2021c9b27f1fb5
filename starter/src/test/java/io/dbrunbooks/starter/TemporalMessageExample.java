package io.dbrunbooks.starter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A documented {@code temporal} command that sends a running workflow an update or a signal with
 * an input: {@code temporal workflow update execute|start}, {@code temporal workflow signal}, and
 * the signal of {@code temporal workflow signal-with-start}.
 *
 * @param name the update's or signal's name ({@code --name}, {@code --signal-name})
 * @param inputs every input value given to it
 */
record TemporalMessageExample(String where, String command, String name, List<String> inputs) {

  static Optional<TemporalMessageExample> of(Path page, ShellWords.Command command) {
    List<String> w = command.words();
    if (w.size() < 3 || !w.get(0).equals("temporal") || !w.get(1).equals("workflow")) {
      return Optional.empty();
    }
    String where = DocPages.name(page) + ":" + command.line();
    if (w.get(2).equals("signal-with-start")) {
      TemporalOptions o = new TemporalOptions(page, w, 3);
      return Optional.of(new TemporalMessageExample(where, command.text(), o.get("--signal-name"), o.all("--signal-input")));
    }
    int from = w.get(2).equals("signal") ? 3 : w.get(2).equals("update") && w.size() > 3
        && List.of("execute", "start").contains(w.get(3)) ? 4 : -1;
    if (from < 0) {
      return Optional.empty();
    }
    TemporalOptions o = new TemporalOptions(page, w, from);
    return Optional.of(new TemporalMessageExample(where, command.text(), o.get("--name"), o.all("--input")));
  }
}
