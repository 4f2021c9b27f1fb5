package io.dbrunbooks.workflows.common;

import java.util.Map;

/**
 * A manifest to sign and store once.
 *
 * @param path registry path without extension, e.g. {@code orders/backups/<backup-id>/manifest}
 * @param manifest the manifest body; every value must be JSON-serialisable and secret-free
 */
public record SealRequest(String target, String path, Map<String, Object> manifest) {}
