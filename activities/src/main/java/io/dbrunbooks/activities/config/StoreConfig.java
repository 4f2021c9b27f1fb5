package io.dbrunbooks.activities.config;

/**
 * Where backup artifacts go.
 *
 * @param uri {@code file:/abs/dir} (S3 stores are not supported yet)
 */
public record StoreConfig(String uri) {}
