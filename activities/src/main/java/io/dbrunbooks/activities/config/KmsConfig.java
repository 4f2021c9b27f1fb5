package io.dbrunbooks.activities.config;

/**
 * AWS KMS as key source.
 *
 * @param keyId symmetric key that wraps data keys: key id, key ARN, alias name or alias ARN
 * @param signingKeyId asymmetric {@code ECC_NIST_P256} / {@code SIGN_VERIFY} key that signs manifests (ES256)
 * @param aws how to reach KMS ({@code pathStyle} is ignored)
 */
public record KmsConfig(String keyId, String signingKeyId, AwsEndpoint aws) {}
