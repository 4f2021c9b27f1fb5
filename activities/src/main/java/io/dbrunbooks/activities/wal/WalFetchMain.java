package io.dbrunbooks.activities.wal;

import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code restore_command} of a restored cluster: fetches one WAL file from a target's archive.
 * {@code runbooks wal fetch} runs the same code; this entry point exists so a restore can call it
 * with the worker's own class path, without the CLI being installed on the restore host:
 *
 * <pre>restore_command = 'java -cp /opt/db-runbooks/worker.jar io.dbrunbooks.activities.wal.WalFetchMain --targets /etc/db-runbooks/targets.yaml --target orders %f %p'</pre>
 *
 * Exit status, as PostgreSQL reads it: 0 fetched; 1 not in the archive (recovery then treats the
 * WAL as ended, or moves to the next timeline), quietly, since PostgreSQL asks for files that do not
 * exist as a matter of course; 126 anything else (a damaged object, an unreachable store, a bad
 * configuration); 128 arguments PostgreSQL never passes (a file name that is a path or no WAL file
 * name, a missing argument): a {@code restore_command} written wrongly, e.g. {@code %p} before
 * {@code %f}. Both with the reason on stderr, which lands in the server log. Any code from 1 to 125
 * makes PostgreSQL end recovery and, for a {@code latest} target, promote where the WAL seemed to
 * end; a code above 125 makes it abort recovery instead, so an error can never pass for the end of
 * the archive. (128 is no 128+signal code, which PostgreSQL reads as the command being killed.)
 */
public final class WalFetchMain {
  public static final int FETCHED = 0;
  public static final int NOT_FOUND = 1;
  public static final int FAILED = 126;
  public static final int BAD_ARGUMENTS = 128;

  /**
   * What PostgreSQL passes as {@code %f}: a name in its WAL directory, always starting with a
   * timeline's 8 hex digits (segments, {@code .history}, {@code .partial}, {@code .backup} files).
   */
  private static final java.util.regex.Pattern WAL_FILE_NAME = java.util.regex.Pattern.compile("[0-9A-F]{8}[0-9A-Za-z._]{0,56}");

  private WalFetchMain() {}

  public static void main(String[] args) {
    System.exit(runArgs(List.of(args), System.err));
  }

  /** How many segments one fetch reads ahead with {@code --prefetch}, and with how many threads. */
  public static final int PREFETCH_SEGMENTS = 32;
  static final int PREFETCH_THREADS = 4;

  static int runArgs(List<String> args, PrintStream err) {
    Path targets = null;
    String target = null;
    Path prefetch = null;
    List<String> positional = new java.util.ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--targets") || a.equals("--target") || a.equals("--prefetch")) && i + 1 < args.size()) {
        String value = args.get(++i);
        switch (a) {
          case "--targets" -> targets = Path.of(value);
          case "--target" -> target = value;
          default -> prefetch = Path.of(value);
        }
      } else {
        positional.add(a);
      }
    }
    if (targets == null || target == null || positional.size() != 2) {
      err.println("usage: WalFetchMain --targets <targets.yaml> --target <name> [--prefetch <spool dir>]"
          + " <wal file name (%f)> <destination path (%p)>");
      return BAD_ARGUMENTS;
    }
    return run(targets, target, positional.get(0), Path.of(positional.get(1)), prefetch, err);
  }

  /** Fetches {@code walFile} of {@code target} into {@code dest}; see the class comment for the exit status. */
  public static int run(Path targetsFile, String target, String walFile, Path dest, PrintStream err) {
    return run(targetsFile, target, walFile, dest, null, err);
  }

  /**
   * The same, and with {@code prefetchDir} set, also reads the next {@value #PREFETCH_SEGMENTS}
   * complete segments into that directory, where the {@code restore_command} looks first. A failed
   * read-ahead is not an error: the segment is fetched again, and reported, when asked for.
   */
  public static int run(Path targetsFile, String target, String walFile, Path dest, Path prefetchDir, PrintStream err) {
    String wrong = badFileName(walFile);
    if (wrong != null) {
      err.println("runbooks wal fetch: " + wrong);
      return BAD_ARGUMENTS;
    }
    try {
      TargetsConfig config = TargetsConfigLoader.load(targetsFile);
      try (TargetResources resources = new TargetResources(config)) {
        config.target(target);
        WalArchive archive = new WalArchive(resources.store(target), resources.keys(target), target);
        if (!archive.fetch(walFile, dest)) {
          return NOT_FOUND;
        }
        if (prefetchDir != null && WalSegment.isSegmentName(walFile)) {
          try {
            int segmentSize = archive.info().map(WalArchiveInfo::segmentSize).orElse(WalArchive.DEFAULT_SEGMENT_SIZE);
            archive.prefetch(WalSegment.parse(walFile, segmentSize), PREFETCH_SEGMENTS, prefetchDir, PREFETCH_THREADS);
          } catch (IOException | RuntimeException e) {
            err.println("runbooks wal fetch: reading ahead after " + walFile + " failed (" + e.getMessage()
                + "); the next segments are fetched one by one");
          }
        }
        return FETCHED;
      }
    } catch (Exception e) {
      err.println("runbooks wal fetch " + walFile + " (target " + target + "): " + e.getMessage());
      return FAILED;
    }
  }

  /**
   * Why {@code walFile} cannot be what PostgreSQL asks for; null when it can. Reported, not taken for
   * "not archived": that would let a misquoted restore_command end recovery as if the WAL had ended.
   */
  static String badFileName(String walFile) {
    if (walFile != null && WAL_FILE_NAME.matcher(walFile).matches()) {
      return null;
    }
    String shown = walFile == null ? "nothing" : "'" + walFile.replaceAll("\\p{Cntrl}", "?") + "'";
    return "the WAL file name (%f) is " + shown + ", " + (walFile != null && (walFile.contains("/") || walFile.contains("\\"))
        ? "a path" : "not a WAL file name") + ": PostgreSQL asks for names like 000000010000000000000003 or"
        + " 00000002.history; restore_command passes %f, the name, before %p, the path to write it to";
  }
}
