package io.dbrunbooks.activities.config;

/**
 * Where data-key wrapping keys and the signing key come from.
 *
 * @param keyring path of a local keyring file (see {@code runbooks keys init}); AWS KMS is not
 *     supported yet
 */
public record KeySourceConfig(String keyring) {}
