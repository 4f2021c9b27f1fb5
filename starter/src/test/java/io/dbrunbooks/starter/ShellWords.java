package io.dbrunbooks.starter;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell script into simple commands and their words the way bash would for the commands
 * the documentation shows: single and double quotes (a quoted argument may span lines, as the
 * docs' multi-line {@code --input} JSON does), backslash escapes, a backslash before the line's end
 * continuing the command, {@code #} comments, and {@code ;}, {@code &&}, {@code ||}, {@code |}
 * and line ends separating commands. Leading {@code NAME=value} assignments are dropped, and
 * redirections end a command's words. No expansion: {@code $X} stays as written.
 */
final class ShellWords {
  /** One simple command: the line it starts on and its words. */
  record Command(int line, List<String> words) {
    String text() {
      return String.join(" ", words);
    }
  }

  private ShellWords() {}

  static List<Command> commands(String script, int firstLine) {
    List<Command> commands = new ArrayList<>();
    List<String> words = new ArrayList<>();
    StringBuilder word = null; // null: between words
    int line = firstLine;
    int start = -1;
    boolean redirected = false;
    int n = script.length();
    for (int i = 0; i < n; i++) {
      char c = script.charAt(i);
      if (c == '\'' || c == '"') {
        if (word == null) {
          word = new StringBuilder();
          start = start < 0 ? line : start;
        }
        int close = c == '\'' ? script.indexOf('\'', i + 1) : closingDoubleQuote(script, i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("line " + line + ": a " + (c == '\'' ? "single" : "double")
              + " quote is never closed");
        }
        String quoted = script.substring(i + 1, close);
        word.append(c == '"' ? quoted.replaceAll("\\\\([\"\\\\$`])", "$1").replace("\\\n", "") : quoted);
        line += count(quoted, '\n');
        i = close;
      } else if (c == '\\' && i + 1 < n) {
        char next = script.charAt(++i);
        if (next == '\n') {
          line++;
          word = end(word, words, redirected);
        } else {
          if (word == null) {
            word = new StringBuilder();
            start = start < 0 ? line : start;
          }
          word.append(next);
        }
      } else if (c == '#' && word == null) {
        while (i + 1 < n && script.charAt(i + 1) != '\n') {
          i++;
        }
      } else if (c == '\n' || c == ';' || c == '|' || c == '&' && !(i > 0 && script.charAt(i - 1) == '>')) {
        word = end(word, words, redirected);
        if (!words.isEmpty() || start >= 0) {
          commands.add(new Command(start, dropAssignments(words)));
        }
        words = new ArrayList<>();
        start = -1;
        redirected = false;
        if (c == '\n') {
          line++;
        } else if (i + 1 < n && script.charAt(i + 1) == c) {
          i++; // && and ||
        }
      } else if (c == ' ' || c == '\t') {
        word = end(word, words, redirected);
      } else if ((c == '>' || c == '<') && word == null) {
        redirected = true; // the rest are the redirection's target, not the command's words
        word = new StringBuilder().append(c);
        start = start < 0 ? line : start;
      } else {
        if (word == null) {
          word = new StringBuilder();
          start = start < 0 ? line : start;
        }
        word.append(c);
      }
    }
    end(word, words, redirected);
    if (!words.isEmpty()) {
      commands.add(new Command(start, dropAssignments(words)));
    }
    commands.removeIf(cmd -> cmd.words().isEmpty());
    return commands;
  }

  private static StringBuilder end(StringBuilder word, List<String> words, boolean redirected) {
    if (word != null && !redirected) {
      words.add(word.toString());
    }
    return null;
  }

  private static int closingDoubleQuote(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      }
    }
    return -1;
  }

  private static int count(String s, char c) {
    return (int) s.chars().filter(x -> x == c).count();
  }

  private static List<String> dropAssignments(List<String> words) {
    int i = 0;
    while (i < words.size() && words.get(i).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
      i++;
    }
    return List.copyOf(words.subList(i, words.size()));
  }
}
