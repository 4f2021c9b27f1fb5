package io.dbrunbooks.starter.keys;

import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.starter.CliCommand;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.keys.PublicKeySet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks keys export-public}: the public halves of the signing keys, for offline verification. */
@Command(name = "export-public", description = {
    "Write the keyring's public signing keys to a file that may be shared freely.",
    "Use it with: runbooks evidence verify <id> --public-keys FILE"})
public final class KeysExportPublicCommand extends CliCommand {
  @Option(names = "--keyring", required = true, paramLabel = "PATH", description = "The keyring file.")
  public Path keyring;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the public keys (JSON).")
  public Path outFile;

  @Override
  public Integer call() throws IOException {
    PublicKeySet keys = LocalKeyring.load(keyring).publicKeySet(); // KeyringException names the file and problem
    keys.writeTo(outFile);
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", outFile.toAbsolutePath().toString());
      m.put("keyIds", keys.encoded().keySet());
      printJson(m);
    } else {
      out().println("wrote " + keys.encoded().size() + " public key(s) to " + outFile.toAbsolutePath() + ": "
          + String.join(", ", keys.encoded().keySet()));
    }
    return RunbooksCli.EXIT_OK;
  }
}
