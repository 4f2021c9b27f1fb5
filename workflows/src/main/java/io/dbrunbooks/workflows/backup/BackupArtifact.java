package io.dbrunbooks.workflows.backup;

/**
 * A stored backup artifact: the tool's output, zstd-compressed, AES-256-GCM encrypted under a fresh
 * data key, written to the target's backup store.
 *
 * @param key the artifact's key in the target's backup store, e.g. {@code orders/<backup-id>/base.tar.zst.aes}
 * @param location store URI of the artifact
 * @param format {@code tar} (physical) or {@code pg_dump-custom} (logical)
 * @param sourceBytes bytes the tool produced (before compression)
 * @param storedBytes bytes in the store (after compression and encryption, with framing)
 * @param sha256 hex SHA-256 of the stored bytes
 * @param sourceSha256 hex SHA-256 of the tool's output, checked again after decryption
 * @param wrappingKeyId id of the key that wraps the data key (keyring key id or KMS key ARN)
 * @param wrappedDataKey base64 of the wrapped data key; useless without the wrapping key
 * @param toolVersion e.g. {@code pg_basebackup (PostgreSQL) 15.18}
 * @param startLsn WAL location where the backup starts (physical only)
 * @param stopLsn WAL location where the backup is consistent (physical only)
 * @param timeline timeline of the backup (physical only, else 0)
 */
public record BackupArtifact(
    String backupId,
    String target,
    BackupMethod method,
    String key,
    String location,
    String format,
    long sourceBytes,
    long storedBytes,
    String sha256,
    String sourceSha256,
    String compression,
    String encryption,
    String wrappingKeyId,
    String wrappedDataKey,
    String toolVersion,
    String startedAt,
    String finishedAt,
    String startLsn,
    String stopLsn,
    int timeline) {}
