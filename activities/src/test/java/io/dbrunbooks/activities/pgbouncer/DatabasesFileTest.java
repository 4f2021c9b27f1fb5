package io.dbrunbooks.activities.pgbouncer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alias's line changes and nothing else does: a hand-edited databases file survives a switch. */
class DatabasesFileTest {
  @TempDir Path dir;

  static final Backend GREEN = new Backend("10.0.0.7", 5433, "orders");

  @Test
  void repointsOneAliasAndKeepsCommentsOtherAliasesAndItsOwnSettings() throws IOException {
    Path f = write(
        "; managed by db-runbooks",
        "[databases]",
        "reports = host=10.0.0.5 port=5432 dbname=orders pool_size=5",
        "# the application",
        "orders = host=10.0.0.5 port=5432 dbname=orders pool_size=40 user=app",
        "* = host=10.0.0.9");
    DatabasesFile file = new DatabasesFile(f);

    assertTrue(file.repoint("orders", GREEN));

    assertEquals(List.of(
        "; managed by db-runbooks",
        "[databases]",
        "reports = host=10.0.0.5 port=5432 dbname=orders pool_size=5",
        "# the application",
        "orders = host=10.0.0.7 port=5433 dbname=orders pool_size=40 user=app",
        "* = host=10.0.0.9"), Files.readAllLines(f));
    assertEquals(GREEN, file.read("orders").backend());
    assertFalse(file.repoint("orders", GREEN), "a second repoint finds the file done and leaves it alone");
  }

  @Test
  void addsMissingKeysAndQuotesValuesTheWayPgBouncerReadsThem() throws IOException {
    Path f = write("[databases]", "orders = host='db one' pool_mode=transaction");
    DatabasesFile file = new DatabasesFile(f);
    assertEquals(new Backend("db one", 5432, "orders"), file.read("orders").backend(), "port and dbname default as in PgBouncer");

    file.repoint("orders", new Backend("10.0.0.7", 5433, "o'rders"));

    assertEquals("orders = host=10.0.0.7 port=5433 dbname='o''rders' pool_mode=transaction", Files.readAllLines(f).get(1));
    assertEquals(new Backend("10.0.0.7", 5433, "o'rders"), file.read("orders").backend());
  }

  @Test
  void keepsOwnerAndModeAndLeavesNoTemporaryFile() throws IOException {
    Path f = write("[databases]", "orders = host=10.0.0.5 port=5432 dbname=orders");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    Files.writeString(dir.resolve(".databases.ini.0000.runbooks-tmp"), "left by a crash");

    new DatabasesFile(f).repoint("orders", GREEN);

    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(f), s.toList());
    }
  }

  @Test
  void refusesAMissingAnAmbiguousOrASocketAliasWithTheFix() throws IOException {
    DatabasesFile missing = new DatabasesFile(write("[databases]", "reports = host=10.0.0.5"));
    IOException none = assertThrows(IOException.class, () -> missing.repoint("orders", GREEN));
    assertTrue(none.getMessage().contains("no line for database 'orders'"), none.getMessage());

    DatabasesFile twice = new DatabasesFile(write("[databases]", "orders = host=a", "orders = host=b"));
    IOException dup = assertThrows(IOException.class, () -> twice.read("orders"));
    assertTrue(dup.getMessage().contains("twice (lines 2 and 3)"), dup.getMessage());

    DatabasesFile socket = new DatabasesFile(write("[databases]", "orders = dbname=orders"));
    IOException unix = assertThrows(IOException.class, () -> socket.read("orders"));
    assertTrue(unix.getMessage().contains("Unix socket"), unix.getMessage());

    DatabasesFile elsewhere = new DatabasesFile(write("[pgbouncer]", "orders = host=a"));
    assertThrows(IOException.class, () -> elsewhere.read("orders"), "a line outside [databases] is not an alias");
  }

  private Path write(String... lines) throws IOException {
    Path f = dir.resolve("databases.ini");
    Files.write(f, List.of(lines));
    return f;
  }
}
