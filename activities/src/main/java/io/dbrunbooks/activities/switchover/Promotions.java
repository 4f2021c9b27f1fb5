package io.dbrunbooks.activities.switchover;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.EvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import io.dbrunbooks.activities.keys.KeyringException;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a target's server went after promote restores: read from the switchover manifests sealed in
 * its evidence, so backups, the WAL archiver and the next switchover reach green without anyone
 * editing the targets file first.
 *
 * <p>A promoted switchover manifest says "the connection {@code from} (what the targets file, or an
 * earlier promotion, pointed at when blue was recorded) is now served by {@code to} (green)". They
 * are followed in the order they were sealed, starting from the targets file's connection. A
 * targets file that names a server no promotion came from is used as written: editing it to the
 * new server, or to any other, is how an operator takes over again.
 *
 * <p>Only manifests whose signature verifies with the target's keys count. One that says "promoted"
 * but does not verify, or lacks where green was, is skipped with an error in the log: following it
 * could send the target's credentials wherever it says. The evidence registry is write-once, so
 * refusing to connect instead would stop the target's backups for good.
 */
public final class Promotions {
  private static final Logger log = LoggerFactory.getLogger(Promotions.class);
  private static final String MANIFEST = "/switchover-manifest.jws";
  private static final String SCHEMA = "db-runbooks/switchover-manifest/v1";

  /**
   * One promoted switchover.
   *
   * @param from {@code host:port} of the target's connection when blue was recorded
   * @param toHost how green is reached (the switchover's {@code greenHost})
   */
  public record Promotion(String restoreId, String from, String toHost, int toPort, Instant sealedAt, String manifest) {
    public String to() {
      return toHost + ":" + toPort;
    }
  }

  private Promotions() {}

  /** Every verified promoted switchover of {@code target}, oldest first. */
  public static List<Promotion> read(EvidenceRegistry registry, PublicKeyLookup keys, String target) throws IOException {
    String base = target + "/restores/";
    List<Promotion> found = new ArrayList<>();
    for (String path : registry.list(base)) {
      if (!path.endsWith(MANIFEST)) {
        continue;
      }
      Optional<byte[]> jws = registry.get(path);
      if (jws.isEmpty()) {
        continue;
      }
      String compact = new String(jws.get(), StandardCharsets.US_ASCII);
      String location = registry.locationOf(path);
      String restoreId = path.substring(base.length(), path.length() - MANIFEST.length());
      try {
        if (!"promoted".equals(json(Jws.unverifiedPayload(compact)).get("outcome"))) {
          continue; // aborted or rolled back: the traffic stayed where it was
        }
        found.add(promotion(json(Jws.verify(compact, keys).payload()), target, restoreId, location));
      } catch (JwsException | KeyringException | JsonProcessingException | IllegalArgumentException e) {
        // Not verifiable, or not this target's: never followed. (Other I/O errors, a KMS outage
        // say, propagate: skipping a good manifest would send the target back to blue.)
        log.error("target '{}': ignoring the switchover manifest {}: {}; the target's connection does not follow it"
            + " (check it with: runbooks evidence verify)", target, location, e.getMessage());
      }
    }
    found.sort(Comparator.comparing(Promotion::sealedAt));
    return found;
  }

  /**
   * The promotions that apply to a targets file naming {@code host:port}, in order: the first came
   * from that connection, each next one from where the previous one went.
   */
  public static List<Promotion> followed(List<Promotion> promotions, String host, int port) {
    List<Promotion> path = new ArrayList<>();
    String at = host + ":" + port;
    for (Promotion p : promotions) {
      if (p.from().equals(at)) {
        path.add(p);
        at = p.to();
      }
    }
    return path;
  }

  /** {@code t} with its connection's host and port where the last applicable promotion went; {@code t} itself when none applies. */
  public static TargetConfig serving(TargetConfig t, List<Promotion> promotions) {
    List<Promotion> path = followed(promotions, t.connection().host(), t.connection().port());
    if (path.isEmpty()) {
      return t;
    }
    Promotion last = path.get(path.size() - 1);
    PostgresConnection c = t.connection();
    // Restored clusters run without TLS on 127.0.0.1 (RecoverySettings): there, "require" would only fail.
    String sslmode = isLoopback(last.toHost()) ? "disable" : c.sslmode();
    return t.withConnection(new PostgresConnection(last.toHost(), last.toPort(), c.database(), c.user(), c.password(), sslmode));
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  /** Why a target's serving server could not be found; {@code permanent} when a retry cannot help (keys, configuration). */
  public static final class Unresolved extends RuntimeException {
    private final boolean permanent;

    Unresolved(String message, boolean permanent, Throwable cause) {
      super(message, cause);
      this.permanent = permanent;
    }

    public boolean permanent() {
      return permanent;
    }
  }

  /** How long the worker reuses what it read of a target's promotions. */
  static final Duration CACHE_FOR = Duration.ofSeconds(5);

  /**
   * Resolves target names for the activities that connect to the target: the targets file's entry
   * with its connection followed through the target's verified promotions. What it reads of the
   * evidence is reused for {@link #CACHE_FOR}, so a promotion takes effect within that.
   *
   * @return a function that throws {@code UnknownTargetException} for an unknown name and
   *     {@link Unresolved} when the evidence registry or the keys cannot be read
   */
  public static Function<String, TargetConfig> resolver(TargetResources resources) {
    record Read(long atNanos, List<Promotion> promotions) {}
    Map<String, Read> cache = new ConcurrentHashMap<>();
    return name -> {
      TargetConfig t = resources.config().target(name);
      Read read = cache.get(name);
      if (read == null || System.nanoTime() - read.atNanos() > CACHE_FOR.toNanos()) {
        try {
          read = new Read(System.nanoTime(), read(resources.evidence(name), resources.keys(name)::verificationKey, name));
        } catch (UncheckedIOException e) {
          throw new Unresolved("target '" + name + "': " + e.getCause().getMessage(), e.getCause() instanceof KeyringException, e);
        } catch (IllegalStateException e) {
          throw new Unresolved(e.getMessage(), true, e); // an evidence registry that cannot be opened (no region)
        } catch (IOException e) {
          throw new Unresolved("target '" + name + "': cannot read its switchover manifests to find the server it is served by"
              + " now: " + e.getMessage(), e instanceof KeyringException, e);
        }
        cache.put(name, read);
      }
      return serving(t, read.promotions());
    };
  }

  private static Promotion promotion(Map<String, Object> m, String target, String restoreId, String location) {
    if (!SCHEMA.equals(m.get("schema")) || !target.equals(m.get("target")) || !restoreId.equals(m.get("restoreId"))) {
      throw new IllegalArgumentException("it is not the " + SCHEMA + " of restore " + restoreId + " of target " + target
          + " (schema " + m.get("schema") + ", target " + m.get("target") + ", restore " + m.get("restoreId") + ")");
    }
    Map<?, ?> state = m.get("state") instanceof Map<?, ?> st ? st : Map.of();
    Map<?, ?> green = state.get("green") instanceof Map<?, ?> g ? g : Map.of();
    if (!(state.get("targetConnection") instanceof String from) || !(green.get("host") instanceof String host)
        || !(green.get("port") instanceof Number port) || !(m.get("sealedAt") instanceof String sealedAt)) {
      throw new IllegalArgumentException("a promoted switchover without state.targetConnection, state.green or sealedAt");
    }
    return new Promotion(restoreId, from, host, port.intValue(), Instant.parse(sealedAt), location);
  }

  private static Map<String, Object> json(byte[] payload) throws IOException {
    return CanonicalJson.mapper().readValue(payload, new TypeReference<Map<String, Object>>() {});
  }
}
