package io.dbrunbooks.workflows.common;

/**
 * A manifest as sealed in the evidence registry.
 *
 * @param location registry URI of the JWS, e.g. {@code file:/var/lib/runbooks/evidence/orders/...}
 * @param sha256 hex SHA-256 of the stored JWS bytes
 * @param signingKeyId id of the key that signed it (the JWS {@code kid})
 * @param algorithm JWS algorithm, {@code EdDSA} or {@code ES256}
 */
public record SealedManifest(String location, String sha256, String signingKeyId, String algorithm) {}
