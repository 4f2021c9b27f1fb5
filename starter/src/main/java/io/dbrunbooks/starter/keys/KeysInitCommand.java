package io.dbrunbooks.starter.keys;

import io.dbrunbooks.starter.RunbooksCli;

import io.dbrunbooks.starter.CliCommand;
import io.dbrunbooks.starter.CliFailure;

import io.dbrunbooks.activities.keys.KeyringException;
import io.dbrunbooks.activities.keys.LocalKeyring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runbooks keys init}: a new keyring file; never overwrites one (it may hold the only keys to old backups). */
@Command(name = "init", description = {
    "Create a keyring (mode 0600) with a key-encryption key and a signing key.",
    "Refuses to overwrite an existing file (exit 2): it may hold the only keys to existing backups."})
public final class KeysInitCommand extends CliCommand {
  @Option(names = "--keyring", required = true, paramLabel = "PATH", description = "Where to create the keyring file.")
  public Path keyring;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(keyring)) {
      throw CliFailure.usage("keyring " + keyring.toAbsolutePath() + " already exists; refusing to overwrite it"
          + " (it may hold the only keys to existing backups). Choose another path.");
    }
    LocalKeyring k;
    try {
      k = LocalKeyring.create(keyring);
    } catch (KeyringException e) {
      throw CliFailure.usage(e.getMessage()); // lost a race with another creator
    }
    String signing = k.signingKeyId();
    if (json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("keyring", k.path().toString());
      m.put("kekId", k.activeKekId());
      m.put("signingKeyId", signing);
      printJson(m);
    } else {
      out().println("created keyring " + k.path() + " (mode 0600)");
      out().println("  key-encryption key  " + k.activeKekId());
      out().println("  signing key         " + signing + " (EdDSA)");
      out().println("Back it up somewhere safe: without it no backup it protects can be restored.");
      out().println("Give auditors the public keys: runbooks keys export-public --keyring " + keyring + " --out public-keys.json");
    }
    return RunbooksCli.EXIT_OK;
  }
}
