package io.dbrunbooks.activities.config;

import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.FileBackupStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens each target's backup store, evidence registry and key source once, on first use. Shared by
 * the worker's activities and the CLI's offline commands so both read the targets file the same way.
 *
 * <p>A failed keyring load is not cached: fixing the file needs no worker restart.
 */
public final class TargetResources {
  private final TargetsConfig config;
  private final Map<String, BackupStore> stores = new ConcurrentHashMap<>();
  private final Map<String, EvidenceRegistry> registries = new ConcurrentHashMap<>();
  private final Map<String, KeySource> keys = new ConcurrentHashMap<>();

  public TargetResources(TargetsConfig config) {
    this.config = config;
  }

  public TargetsConfig config() {
    return config;
  }

  public BackupStore store(String target) {
    return stores.computeIfAbsent(target, n -> new FileBackupStore(filePath(config.target(n).backupStore().uri())));
  }

  public EvidenceRegistry evidence(String target) {
    return registries.computeIfAbsent(target, n -> new FileEvidenceRegistry(filePath(config.target(n).evidence().uri())));
  }

  /** @throws UncheckedIOException naming the keyring when it cannot be read */
  public KeySource keys(String target) {
    return keys.computeIfAbsent(target, n -> {
      try {
        return LocalKeyring.load(Path.of(config.target(n).keys().keyring()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The loader accepts only absolute {@code file:} URIs, so this cannot meet anything else. */
  private static Path filePath(String uri) {
    return Path.of(URI.create(uri));
  }
}
