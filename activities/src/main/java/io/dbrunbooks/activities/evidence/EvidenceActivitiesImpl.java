package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.KeyringException;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.AuditRecord;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit entries and sealed manifests, per target. Failures a retry cannot fix are non-retryable
 * {@link ApplicationFailure}s of type {@code UnknownTarget}, {@code EvidenceConflict}, {@code
 * AuditChainBroken}, {@code KeySourceError}, {@code EvidenceRegistryUnusable} (e.g. an S3 bucket
 * without Object Lock) or {@code InvalidEvidenceRequest}; plain I/O errors stay
 * retryable.
 */
public class EvidenceActivitiesImpl implements EvidenceActivities {

  private static final Logger log = LoggerFactory.getLogger(EvidenceActivitiesImpl.class);

  private final TargetsConfig targets;
  private final Function<String, EvidenceRegistry> registryFor;
  private final Function<String, KeySource> keysFor;

  /**
   * @param registryFor target name -> its evidence registry
   * @param keysFor target name -> its key source; may throw {@link UncheckedIOException} wrapping a
   *     {@link KeyringException} for a missing or broken keyring
   */
  public EvidenceActivitiesImpl(TargetsConfig targets, Function<String, EvidenceRegistry> registryFor, Function<String, KeySource> keysFor) {
    this.targets = targets;
    this.registryFor = registryFor;
    this.keysFor = keysFor;
  }

  /** File registries and local keyrings from each target's configuration, opened once per target. */
  public static EvidenceActivitiesImpl fromConfig(TargetsConfig targets) {
    TargetResources resources = new TargetResources(targets);
    return new EvidenceActivitiesImpl(targets, resources::evidence, resources::keys);
  }

  @Override
  public AuditRecord appendAudit(AuditAppend append) {
    return call(append.target(), append.chain(), () ->
        new AuditChain(registryFor.apply(append.target())).append(append.chain(), append.sequence(), append.event()));
  }

  static final String SEALED_WITH = "sealedWith";

  @Override
  public SealedManifest sealManifest(SealRequest request) {
    return call(request.target(), request.path(), () -> {
      if (request.manifest() == null) {
        throw new IllegalArgumentException("seal request for " + request.path() + " has no manifest");
      }
      EvidenceRegistry registry = registryFor.apply(request.target());
      KeySource keys = keysFor.apply(request.target());
      String path = request.path() + ".jws";
      byte[] payload = CanonicalJson.bytes(request.manifest());

      // A retry finds the manifest already sealed. Comparing payloads rather than JWS bytes keeps
      // retries idempotent even when signatures are randomised (ES256) or the key was rotated.
      Optional<SealedManifest> sealed = existingSeal(registry, path, payload, keys);
      if (sealed.isPresent()) {
        return sealed.get();
      }
      byte[] jws = Jws.sign(CanonicalJson.bytes(withSealer(request.manifest(), keys)), keys).getBytes(StandardCharsets.US_ASCII);
      try {
        registry.putOnce(path, jws);
      } catch (EvidenceConflictException raced) {
        return existingSeal(registry, path, payload, keys).orElseThrow(() -> raced);
      }
      SealedManifest result = new SealedManifest(registry.locationOf(path), Digests.sha256Hex(jws), keys.signingKeyId(), keys.signingAlgorithm());
      log.info("sealed manifest location={} kid={} sha256={}", result.location(), result.signingKeyId(), result.sha256());
      return result;
    });
  }

  /**
   * The manifest as signed: the caller's fields plus {@value #SEALED_WITH}, so the signing key id is
   * part of the signed evidence and not only of the JWS header.
   */
  private static Map<String, Object> withSealer(Map<String, Object> manifest, KeySource keys) {
    Map<String, Object> signed = new LinkedHashMap<>(manifest);
    signed.put(SEALED_WITH, Map.of("signingKeyId", keys.signingKeyId(), "algorithm", keys.signingAlgorithm()));
    return signed;
  }

  /** The caller's manifest inside a stored payload, to tell a retry from a conflicting seal. */
  private static byte[] withoutSealer(byte[] storedPayload) throws IOException {
    Map<String, Object> manifest = CanonicalJson.mapper().readValue(storedPayload, new TypeReference<Map<String, Object>>() {});
    manifest.remove(SEALED_WITH);
    return CanonicalJson.bytes(manifest);
  }

  private static Optional<SealedManifest> existingSeal(EvidenceRegistry registry, String path, byte[] payload, KeySource keys) throws IOException {
    Optional<byte[]> stored = registry.get(path);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    Jws.Verified v;
    try {
      v = Jws.verify(new String(stored.get(), StandardCharsets.US_ASCII), keys::verificationKey);
    } catch (JwsException | KeyringException e) {
      throw ApplicationFailure.newNonRetryableFailure("a manifest already exists at " + registry.locationOf(path)
          + " but it cannot be verified with this target's keys (" + e.getMessage() + "); evidence is write-once, investigate before re-running", "EvidenceConflict");
    }
    if (!Arrays.equals(withoutSealer(v.payload()), payload)) {
      throw new EvidenceConflictException(registry.locationOf(path));
    }
    return Optional.of(new SealedManifest(registry.locationOf(path), Digests.sha256Hex(stored.get()), v.header().kid(), v.header().alg()));
  }

  private interface Body<T> {
    T run() throws IOException, BrokenChainException;
  }

  /** Validates the target and the path's namespace, and turns errors into the right failure kind. */
  private <T> T call(String target, String path, Body<T> body) {
    try {
      TargetConfig t = targets.target(target);
      if (path == null || !path.startsWith(t.name() + "/")) {
        throw new IllegalArgumentException("evidence path '" + path + "' is outside the namespace '" + t.name() + "/' of target " + t.name());
      }
      return body.run();
    } catch (UnknownTargetException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "UnknownTarget");
    } catch (EvidenceConflictException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "EvidenceConflict");
    } catch (BrokenChainException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "AuditChainBroken");
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "InvalidEvidenceRequest");
    } catch (UncheckedIOException e) {
      throw ioFailure(e.getCause());
    } catch (IOException e) {
      throw ioFailure(e);
    }
  }

  private static RuntimeException ioFailure(IOException e) {
    if (e instanceof KeyringException) {
      return ApplicationFailure.newNonRetryableFailure(e.getMessage(), "KeySourceError");
    }
    if (e instanceof EvidenceRegistryException) {
      return ApplicationFailure.newNonRetryableFailure(e.getMessage(), "EvidenceRegistryUnusable");
    }
    return Activity.wrap(e); // transient I/O: let the retry policy handle it
  }
}
