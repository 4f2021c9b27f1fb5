package io.dbrunbooks.activities.config;

/**
 * Where data-key wrapping keys and the signing key come from: exactly one of the two is set.
 *
 * @param keyring path of a local keyring file (see {@code runbooks keys init})
 * @param kms AWS KMS keys
 */
public record KeySourceConfig(String keyring, KmsConfig kms) {

  /** A local keyring. */
  public KeySourceConfig(String keyring) {
    this(keyring, null);
  }
}
