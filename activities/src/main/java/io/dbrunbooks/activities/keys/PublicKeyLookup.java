package io.dbrunbooks.activities.keys;

import java.io.IOException;
import java.security.PublicKey;

/**
 * Finds the public key that verifies signatures made by key {@code keyId}. Offline verification
 * needs only this: {@code keySource::verificationKey} on a worker, a {@link PublicKeySet} file
 * anywhere else.
 */
@FunctionalInterface
public interface PublicKeyLookup {
  /** @throws IOException naming the id when it is unknown */
  PublicKey find(String keyId) throws IOException;
}
