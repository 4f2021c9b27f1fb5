package io.dbrunbooks.activities.pgbouncer;

import io.dbrunbooks.activities.files.ReplacedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file holding PgBouncer's {@code [databases]} section, {@code %include}d from pgbouncer.ini so
 * the switch can rewrite it without touching the rest of the configuration.
 *
 * <p>Only the alias's own line changes, and on that line only {@code host}, {@code port} and
 * {@code dbname}: other aliases, comments and per-database settings ({@code pool_size}, {@code
 * user}...) stay byte for byte. The new file is written beside the old one, fsynced, given the old
 * file's owner and mode, renamed over it and the directory fsynced, so PgBouncer's RELOAD reads
 * either the whole old file or the whole new one, also after a crash.
 */
final class DatabasesFile {

  private final Path file;

  DatabasesFile(Path file) {
    this.file = file.toAbsolutePath();
  }

  Path path() {
    return file;
  }

  /** The alias's line as PgBouncer would parse it. */
  record Entry(String alias, Backend backend, int lineNumber) {}

  /**
   * Reads the alias's entry.
   *
   * @throws DatabasesFileException when the file cannot be read, lacks the alias, has it twice or
   *     points it at a Unix socket
   */
  Entry read(String alias) throws IOException {
    List<String> lines = readLines();
    int i = find(lines, alias);
    return new Entry(alias, backendOf(alias, valueOf(lines.get(i))), i + 1);
  }

  /**
   * Points the alias at {@code to}. Returns false, writing nothing, when it already does (a re-run
   * after a crash that happened after the rename).
   */
  boolean repoint(String alias, Backend to) throws IOException {
    List<String> lines = readLines();
    int i = find(lines, alias);
    String line = lines.get(i);
    if (backendOf(alias, valueOf(line)).equals(to)) {
      return false;
    }
    int eq = line.indexOf('=');
    int valueStart = eq + 1;
    while (valueStart < line.length() && line.charAt(valueStart) == ' ') {
      valueStart++;
    }
    lines.set(i, line.substring(0, valueStart) + withBackend(valueOf(line), to));
    replace(String.join("\n", lines) + "\n");
    return true;
  }

  /**
   * Every alias line of the file's [databases] sections, however it reaches its server (a Unix
   * socket: host null or a directory). Lines PgBouncer could not parse either are left out.
   */
  List<AliasRoute> routes() throws IOException {
    List<AliasRoute> routes = new ArrayList<>();
    boolean inDatabases = true;
    for (String line : readLines()) {
      String t = line.strip();
      if (t.startsWith("[")) {
        inDatabases = t.equalsIgnoreCase("[databases]");
      } else if (inDatabases && !t.isEmpty() && !t.startsWith(";") && !t.startsWith("#") && t.contains("=")) {
        String key = t.substring(0, t.indexOf('=')).strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
          key = key.substring(1, key.length() - 1);
        }
        String host = null;
        int port = 5432;
        try {
          for (Pair p : ConnString.parse(valueOf(t))) {
            if (p.key().equals("host")) {
              host = p.value().isEmpty() ? null : p.value();
            } else if (p.key().equals("port")) {
              port = Integer.parseInt(p.value());
            }
          }
        } catch (IllegalArgumentException unparsable) {
          continue;
        }
        routes.add(new AliasRoute(key, host, port, file.toString()));
      }
    }
    return routes;
  }

  /** What {@link #repointIf} found on the alias's line, and whether it rewrote it. */
  record Swap(Backend found, boolean changed) {}

  /**
   * Compare-and-set: points the alias at {@code to} only while its line names {@code expected};
   * a line already on {@code to}, or on a third backend, is left as it is.
   */
  Swap repointIf(String alias, Backend expected, Backend to) throws IOException {
    Backend found = read(alias).backend();
    if (!found.equals(expected) || found.equals(to)) {
      return new Swap(found, false);
    }
    return new Swap(found, repoint(alias, to));
  }

  private List<String> readLines() throws IOException {
    try {
      return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new DatabasesFileException("cannot read PgBouncer's databases file " + file + ": " + e);
    }
  }

  /** Index of the alias's line in the [databases] section (lines before any header count as in it). */
  private int find(List<String> lines, String alias) throws DatabasesFileException {
    boolean inDatabases = true;
    int found = -1;
    for (int i = 0; i < lines.size(); i++) {
      String t = lines.get(i).strip();
      if (t.startsWith("[")) {
        inDatabases = t.equalsIgnoreCase("[databases]");
      } else if (inDatabases && !t.isEmpty() && !t.startsWith(";") && !t.startsWith("#") && t.contains("=")) {
        String key = t.substring(0, t.indexOf('=')).strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
          key = key.substring(1, key.length() - 1);
        }
        if (key.equals(alias)) {
          if (found >= 0) {
            throw new DatabasesFileException(file + " defines database '" + alias + "' twice (lines " + (found + 1)
                + " and " + (i + 1) + "); keep one line");
          }
          found = i;
        }
      }
    }
    if (found < 0) {
      throw new DatabasesFileException(file + " has no line for database '" + alias
          + "' in a [databases] section; add it (e.g. " + alias + " = host=... port=... dbname=...) and RELOAD PgBouncer");
    }
    return found;
  }

  private static String valueOf(String line) {
    return line.substring(line.indexOf('=') + 1).strip();
  }

  private Backend backendOf(String alias, String value) throws DatabasesFileException {
    String host = null;
    int port = 5432;
    String dbname = alias;
    List<Pair> pairs;
    try {
      pairs = ConnString.parse(value);
    } catch (IllegalArgumentException e) {
      throw new DatabasesFileException(file + ": database '" + alias + "': " + e.getMessage());
    }
    for (Pair p : pairs) {
      switch (p.key()) {
        case "host" -> host = p.value();
        case "port" -> {
          try {
            port = Integer.parseInt(p.value());
          } catch (NumberFormatException e) {
            throw new DatabasesFileException(file + ": database '" + alias + "' has port=" + p.value() + ", not a number");
          }
        }
        case "dbname" -> dbname = p.value();
        default -> { }
      }
    }
    if (host == null || host.startsWith("/")) {
      throw new DatabasesFileException(file + ": database '" + alias
          + "' reaches its server through a Unix socket; a switchover needs host=<address> on its line");
    }
    return new Backend(host, port, dbname);
  }

  /** The connection string with host, port and dbname set to {@code to}, every other setting kept as written. */
  static String withBackend(String value, Backend to) {
    List<String> out = new ArrayList<>();
    boolean host = false;
    boolean port = false;
    boolean dbname = false;
    for (Pair p : ConnString.parse(value)) {
      switch (p.key()) {
        case "host" -> { out.add("host=" + ConnString.quote(to.host())); host = true; }
        case "port" -> { out.add("port=" + to.port()); port = true; }
        case "dbname" -> { out.add("dbname=" + ConnString.quote(to.dbname())); dbname = true; }
        default -> out.add(p.raw());
      }
    }
    if (!host) {
      out.add(0, "host=" + ConnString.quote(to.host()));
    }
    if (!port) {
      out.add(1, "port=" + to.port());
    }
    if (!dbname) {
      out.add(2, "dbname=" + ConnString.quote(to.dbname()));
    }
    return String.join(" ", out);
  }

  /** Write beside, fsync, same owner and mode, rename over, fsync the directory. */
  private void replace(String content) throws IOException {
    try {
      ReplacedFile.replace(file, content);
    } catch (AtomicMoveNotSupportedException e) {
      throw new DatabasesFileException("cannot replace " + file + " atomically: " + e.getMessage());
    } catch (IOException e) {
      throw new DatabasesFileException("cannot rewrite " + file + ": " + e);
    }
  }

  record Pair(String key, String value, String raw) {}

  /** PgBouncer's connection-string syntax (loader.c): key=value separated by spaces, values in '' with '' for a quote. */
  static final class ConnString {
    private ConnString() {}

    static List<Pair> parse(String s) {
      List<Pair> pairs = new ArrayList<>();
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && s.charAt(i) == ' ') {
          i++;
        }
        if (i >= n) {
          return pairs;
        }
        int start = i;
        while (i < n && s.charAt(i) != '=' && s.charAt(i) != ' ') {
          i++;
        }
        String key = s.substring(start, i);
        while (i < n && s.charAt(i) == ' ') {
          i++;
        }
        if (i >= n || s.charAt(i) != '=') {
          throw new IllegalArgumentException("not a PgBouncer connection string (no '=' after '" + key + "'): " + s);
        }
        i++;
        while (i < n && s.charAt(i) == ' ') {
          i++;
        }
        StringBuilder v = new StringBuilder();
        if (i < n && s.charAt(i) == '\'') {
          i++;
          while (true) {
            if (i >= n) {
              throw new IllegalArgumentException("unterminated quote in PgBouncer connection string: " + s);
            }
            char c = s.charAt(i++);
            if (c == '\'') {
              if (i < n && s.charAt(i) == '\'') {
                i++;
              } else {
                break;
              }
            }
            v.append(c);
          }
        } else {
          while (i < n && s.charAt(i) != ' ') {
            v.append(s.charAt(i++));
          }
        }
        pairs.add(new Pair(key, v.toString(), s.substring(start, i)));
      }
    }

    static String quote(String v) {
      return v.isEmpty() || v.contains(" ") || v.contains("'") ? "'" + v.replace("'", "''") + "'" : v;
    }
  }

  /** The databases file is missing, unreadable, or does not describe the alias the way a switch needs. */
  static final class DatabasesFileException extends IOException {
    DatabasesFileException(String message) {
      super(message);
    }
  }
}
