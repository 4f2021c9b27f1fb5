package io.dbrunbooks.activities.config;

import io.dbrunbooks.activities.aws.AwsClients;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.activities.evidence.S3EvidenceRegistry;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.KeyringException;
import io.dbrunbooks.activities.keys.KmsKeySource;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.store.BackupStore;
import io.dbrunbooks.activities.store.FileBackupStore;
import io.dbrunbooks.activities.store.S3BackupStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Opens each target's backup store, evidence registry and key source once, on first use. Shared by
 * the worker's activities and the CLI's offline commands so both read the targets file the same way.
 *
 * <p>{@code file:} URIs open the file store and registry, {@code s3://} the S3 ones; {@code keyring}
 * opens a {@link LocalKeyring}, {@code kms} a {@link KmsKeySource}. AWS clients are built once per
 * endpoint and region and shared between targets; {@link #close()} releases them.
 *
 * <p>A failed keyring load is not cached: fixing the file needs no worker restart.
 */
public final class TargetResources implements AutoCloseable {
  private final TargetsConfig config;
  private final AwsClients aws = new AwsClients();
  private final Map<String, BackupStore> stores = new ConcurrentHashMap<>();
  private final Map<String, EvidenceRegistry> registries = new ConcurrentHashMap<>();
  private final Map<String, KeySource> keys = new ConcurrentHashMap<>();

  public TargetResources(TargetsConfig config) {
    this.config = config;
  }

  public TargetsConfig config() {
    return config;
  }

  /** @throws IllegalStateException naming the target when the AWS client cannot be built (no region) */
  public BackupStore store(String target) {
    return stores.computeIfAbsent(target, n -> {
      StoreConfig c = config.target(n).backupStore();
      if (!c.isS3()) {
        return new FileBackupStore(filePath(c.uri()));
      }
      try {
        return new S3BackupStore(aws.s3(c.aws()), c.uri());
      } catch (SdkException e) {
        throw new IllegalStateException("target " + n + ": cannot open backup store " + c.uri() + ": " + e.getMessage()
            + " (set region: under backupStore, or AWS_REGION)", e);
      }
    });
  }

  /** @throws IllegalStateException naming the target when the AWS client cannot be built (no region) */
  public EvidenceRegistry evidence(String target) {
    return registries.computeIfAbsent(target, n -> {
      RegistryConfig c = config.target(n).evidence();
      if (!c.isS3()) {
        return new FileEvidenceRegistry(filePath(c.uri()), c.immutable());
      }
      try {
        return new S3EvidenceRegistry(aws.s3(c.aws()), c.uri(), c.retentionDays());
      } catch (SdkException e) {
        throw new IllegalStateException("target " + n + ": cannot open evidence registry " + c.uri() + ": " + e.getMessage()
            + " (set region: under evidence, or AWS_REGION)", e);
      }
    });
  }

  /** @throws UncheckedIOException wrapping a {@link KeyringException} naming the keyring or KMS problem */
  public KeySource keys(String target) {
    return keys.computeIfAbsent(target, n -> {
      KeySourceConfig c = config.target(n).keys();
      try {
        if (c.kms() != null) {
          try {
            return new KmsKeySource(aws.kms(c.kms().aws()), c.kms().keyId(), c.kms().signingKeyId());
          } catch (SdkException e) {
            throw new KeyringException("target " + n + ": cannot reach KMS for key " + c.kms().keyId() + ": " + e.getMessage()
                + " (set region: under keys.kms, or AWS_REGION)", e);
          }
        }
        return LocalKeyring.load(Path.of(c.keyring()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  @Override
  public void close() {
    aws.close();
  }

  /** The loader accepts only absolute {@code file:} URIs besides {@code s3://}. */
  private static Path filePath(String uri) {
    return Path.of(URI.create(uri));
  }
}
