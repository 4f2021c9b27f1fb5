package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The documentation a user reads: README.md and every Markdown page under docs/, listed afresh on
 * each run, so a page added later is checked without an edit of the tests that use this.
 */
final class DocPages {
  /** A fenced shell block: its info string and its body. */
  private static final Pattern SHELL_BLOCK = Pattern.compile("(?m)^```(?:bash|sh|shell)[ \\t]*\\n(.*?)^```", Pattern.DOTALL);

  private DocPages() {}

  /** The repository's root: the build's {@code repo.root}, else the module's parent (Maven runs tests in the module). */
  static Path root() {
    Path root = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(root.resolve("README.md")), "the repository root holds README.md: " + root);
    return root;
  }

  /** README.md, then the pages under docs/ in name order. */
  static List<Path> all() {
    Path root = root();
    List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
    Path docs = root.resolve("docs");
    if (Files.isDirectory(docs)) {
      try (Stream<Path> walk = Files.walk(docs)) {
        walk.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(pages::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pages;
  }

  /** {@code docs/backup.md}: a page as a person names it. */
  static String name(Path page) {
    return root().relativize(page).toString();
  }

  static String read(Path page) {
    try {
      return Files.readString(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every shell command in the page's {@code ```bash} blocks, with the line it starts on. */
  static List<ShellWords.Command> shellCommands(Path page) {
    String text = read(page);
    List<ShellWords.Command> all = new ArrayList<>();
    Matcher m = SHELL_BLOCK.matcher(text);
    while (m.find()) {
      int firstLine = lineOf(text, m.start(1));
      all.addAll(ShellWords.commands(m.group(1), firstLine));
    }
    return all;
  }

  /** The 1-based line number of {@code offset}. */
  static int lineOf(String text, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}
