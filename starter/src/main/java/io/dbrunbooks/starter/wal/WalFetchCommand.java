package io.dbrunbooks.starter.wal;

import io.dbrunbooks.starter.CliCommand;

import io.dbrunbooks.activities.wal.WalFetchMain;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbooks wal fetch}: PostgreSQL's {@code restore_command}. */
// Bad usage exits 128, not 2: PostgreSQL would take 2 for "not archived" and end recovery early.
@Command(name = "fetch", exitCodeOnInvalidInput = WalFetchMain.BAD_ARGUMENTS, description = {
    "Fetch one WAL file from a target's archive, for restore_command:",
    "  restore_command = 'runbooks wal fetch --targets /etc/db-runbooks/targets.yaml --target orders %f %p'",
    "Exits 0 fetched, 1 not in the archive (quietly), 126 error, 128 arguments PostgreSQL never passes (a path or"
        + " no WAL file name as %f, a missing argument). Reasons on stderr; above 125 PostgreSQL aborts recovery"
        + " instead of ending it early."})
public final class WalFetchCommand extends CliCommand {
  @Option(names = "--target", required = true, paramLabel = "T", description = "Target whose archive to read.")
  public String target;

  @Parameters(index = "0", paramLabel = "WALFILE", description = "The WAL file PostgreSQL asks for (%f).")
  public String walFile;

  @Parameters(index = "1", paramLabel = "DEST", description = "Where to write it (%p).")
  public Path dest;

  @Option(names = "--prefetch", paramLabel = "DIR", description = "Also read the next complete segments into DIR"
      + " (a restore_command then looks there first).")
  public Path prefetch;

  @Override
  public Integer call() {
    // The same code as the worker-jar entry point, so both restore_command forms behave alike.
    PrintStream err = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        err().write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        err().write(new String(b, off, len, StandardCharsets.UTF_8));
      }
    }, true, StandardCharsets.UTF_8);
    int code = WalFetchMain.run(cli().targets, target, walFile, dest, prefetch, err);
    err.flush();
    return code;
  }
}
