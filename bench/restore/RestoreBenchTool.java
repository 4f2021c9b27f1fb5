import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.activities.wal.Lsn;
import io.dbrunbooks.activities.wal.WalArchive;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Small helpers for bench/restore/run.sh, run as a single-file program with the worker jar on the
 * class path (the same classes the worker uses, so nothing here re-implements the archive layout).
 *
 * <pre>
 *   keygen KEYRING                                    create a LocalKeyring
 *   wait-archived STORE KEYRING TARGET TIMELINE FROM TO TIMEOUT_SECONDS
 *       wait until the file-store WAL archive of TARGET holds the WAL of TIMELINE contiguously
 *       from FROM to at least TO (LSNs); prints the seconds waited, exit 1 on timeout
 * </pre>
 */
public class RestoreBenchTool {
  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "keygen" -> LocalKeyring.create(Path.of(a[1]));
      case "wait-archived" -> System.exit(waitArchived(a));
      default -> throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  private static int waitArchived(String[] a) throws Exception {
    WalArchive archive = new WalArchive(new FileBackupStore(Path.of(a[1])), LocalKeyring.load(Path.of(a[2])), a[3]);
    int timeline = Integer.parseInt(a[4]);
    Lsn from = Lsn.parse(a[5]);
    Lsn to = Lsn.parse(a[6]);
    long start = System.nanoTime();
    long deadline = start + Long.parseLong(a[7]) * 1_000_000_000L;
    Lsn end = null;
    while (System.nanoTime() < deadline) {
      end = archive.list().archivedEnd(timeline, from);
      if (end != null && end.compareTo(to) >= 0) {
        System.out.printf(Locale.ROOT, "%.1f%n", (System.nanoTime() - start) / 1e9);
        return 0;
      }
      Thread.sleep(200);
    }
    System.err.println("the WAL archive reaches " + end + ", not " + to + ", after " + a[7] + " s");
    return 1;
  }
}
