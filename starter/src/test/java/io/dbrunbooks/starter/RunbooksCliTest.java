package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line itself: usage errors, exit codes, the keyring commands. No Temporal, no PostgreSQL. */
class RunbooksCliTest {
  @TempDir Path tmp;

  @Test
  void usageErrorsExit2WithTheProblemNamed() {
    Cli.Result noCommand = Cli.run();
    assertEquals(2, noCommand.exitCode(), noCommand.toString());

    Cli.Result unknown = Cli.run("frobnicate");
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("frobnicate"), unknown.toString());

    Cli.Result noTarget = Cli.run("backup", "start");
    assertEquals(2, noTarget.exitCode(), noTarget.toString());
    assertTrue(noTarget.err().contains("--target"), noTarget.toString());

    Cli.Result badMethod = Cli.run("backup", "start", "--target", "orders", "--method", "incremental");
    assertEquals(2, badMethod.exitCode(), badMethod.toString());
    assertTrue(badMethod.err().contains("use physical or logical"), badMethod.toString());

    Cli.Result badClass = Cli.run("backup", "start", "--target", "orders", "--class", "Weekly Archive");
    assertEquals(2, badClass.exitCode(), badClass.toString());
    assertTrue(badClass.err().contains("--class: a class name is 1-63 lower-case letters"), badClass.toString());
    assertTrue(badClass.err().contains("'Weekly Archive'"), badClass.toString());

    Cli.Result noTargetsFile = Cli.run("backups", "list", "--target", "orders", "--targets", tmp.resolve("none.yaml").toString());
    assertEquals(2, noTargetsFile.exitCode(), noTargetsFile.toString());
    assertTrue(noTargetsFile.err().contains("none.yaml"), noTargetsFile.toString());
  }

  @Test
  void helpDocumentsTheExitCodes() {
    Cli.Result help = Cli.run("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("3  already running") && help.out().contains("4  cannot reach Temporal"), help.out());
  }

  @Test
  void unreachableTemporalExits4() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    // A long wait allowed: nothing listening is known at once, and said so.
    Cli.Result r = Cli.run(Map.of("TEMPORAL_ADDRESS", "127.0.0.1:" + closedPort, "RUNBOOKS_TEMPORAL_WAIT", "600"),
        "status", "backup/orders");
    assertEquals(4, r.exitCode(), r.toString());
    assertTrue(r.err().contains("nothing listens at 127.0.0.1:" + closedPort), r.toString());
    assertTrue(!r.err().contains("slow"), r.toString());
  }

  @Test
  void aServerThatAcceptsButDoesNotAnswerIsCalledSlowNotUnreachable() throws IOException {
    // The kernel accepts connections on a bound socket's backlog; nobody ever reads or answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + silent.getLocalPort();
      Cli.Result r = Cli.run(Map.of("TEMPORAL_ADDRESS", address, "RUNBOOKS_TEMPORAL_WAIT", "1"), "status", "backup/orders");
      assertEquals(4, r.exitCode(), r.toString());
      assertTrue(r.err().contains("Temporal at " + address + " did not answer within 1 s (it is reachable but slow"), r.toString());
      assertTrue(r.err().contains("RUNBOOKS_TEMPORAL_WAIT"), "says how to wait longer: " + r);
      assertTrue(!r.err().contains("nothing listens"), r.toString());
    }
  }

  @Test
  void aWaitThatIsNotANumberOfSecondsIsAUsageError() {
    Cli.Result r = Cli.run(Map.of("RUNBOOKS_TEMPORAL_WAIT", "1m"), "status", "backup/orders");
    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.err().contains("RUNBOOKS_TEMPORAL_WAIT='1m' is not a number of seconds"), r.toString());
  }

  @Test
  void keysInitCreatesAnOwnerOnlyKeyringAndRefusesToOverwriteIt() throws IOException {
    Path keyring = tmp.resolve("keyring.json");
    Cli.Result created = Cli.run("keys", "init", "--keyring", keyring.toString());
    assertEquals(0, created.exitCode(), created.toString());
    assertTrue(created.out().contains("local:kek-") && created.out().contains("local:sign-"), created.out());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyring)));
    byte[] before = Files.readAllBytes(keyring);

    Cli.Result again = Cli.run("keys", "init", "--keyring", keyring.toString());
    assertEquals(2, again.exitCode(), again.toString());
    assertTrue(again.err().contains("refusing to overwrite"), again.toString());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(keyring)), "the keyring is untouched");

    Path pub = tmp.resolve("public-keys.json");
    Cli.Result exported = Cli.run("--json", "keys", "export-public", "--keyring", keyring.toString(), "--out", pub.toString());
    assertEquals(0, exported.exitCode(), exported.toString());
    assertTrue(Files.readString(pub).contains("local:sign-"));
    assertTrue(!Files.readString(pub).contains("private"), "public keys only");
  }
}
