package io.dbrunbooks.activities.config;

/**
 * The write-once evidence registry.
 *
 * @param uri {@code file:/abs/dir} (S3 Object Lock registries are not supported yet)
 */
public record RegistryConfig(String uri) {}
