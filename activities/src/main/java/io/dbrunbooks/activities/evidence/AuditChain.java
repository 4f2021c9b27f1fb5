package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An append-only, hash-chained audit log in an {@link EvidenceRegistry}.
 *
 * <p>Entry {@code n} of chain {@code c} is stored at {@code c/audit/<n as 8 digits>.json} as
 * canonical JSON {@code {"event":{action,metadata,resource,status,timestamp,user},"previousHash",
 * "sequence"}}. Its hash is the hex SHA-256 of the stored bytes, and entry {@code n+1} records it as
 * {@code previousHash} (entry 1 records 64 zeros). Changing any entry breaks the link from the next
 * one; changing the last entry is caught by the manifest, which seals the head's hash.
 */
public final class AuditChain {

  /** The last entry of an intact chain; sequence 0 for a chain with no entries yet. */
  public record Head(long sequence, String hash) {}

  private static final long MAX_SEQUENCE = 99_999_999L; // 8 digits keep lexical order = numeric order

  private final EvidenceRegistry registry;

  public AuditChain(EvidenceRegistry registry) {
    this.registry = registry;
  }

  public static String entryPath(String chain, long sequence) {
    return chain + "/audit/" + String.format("%08d", sequence) + ".json";
  }

  /**
   * Writes entry {@code sequence}, linked to entry {@code sequence - 1}. A retry with the same event
   * rebuilds the same bytes and is accepted; a different event for a used slot throws {@link
   * EvidenceConflictException}.
   *
   * @throws BrokenChainException when the previous entry is missing
   */
  public AuditRecord append(String chain, long sequence, AuditEvent event) throws IOException, BrokenChainException {
    if (sequence < 1 || sequence > MAX_SEQUENCE) {
      throw new IllegalArgumentException("audit sequence must be between 1 and " + MAX_SEQUENCE + ", got " + sequence);
    }
    String previousHash = Digests.ZERO_HASH;
    if (sequence > 1) {
      byte[] previous = registry.get(entryPath(chain, sequence - 1)).orElseThrow(() -> new BrokenChainException(sequence - 1,
          "audit entry " + (sequence - 1) + " missing from chain " + chain + ": cannot append entry " + sequence
              + " (entries are appended in order; " + registry.locationOf(entryPath(chain, sequence - 1)) + " does not exist)"));
      previousHash = Digests.sha256Hex(previous);
    }
    byte[] entry = entryBytes(sequence, previousHash, event);
    registry.putOnce(entryPath(chain, sequence), entry);
    return new AuditRecord(chain, sequence, previousHash, Digests.sha256Hex(entry));
  }

  /** Hash of the stored entry, or empty when there is none. Meaningful once {@link #verify} passed. */
  public Optional<String> entryHash(String chain, long sequence) throws IOException {
    return registry.get(entryPath(chain, sequence)).map(Digests::sha256Hex);
  }

  /**
   * Walks every entry: file names, contiguous sequence numbers from 1, each entry's recorded
   * sequence and previousHash.
   *
   * @throws BrokenChainException naming the first entry that fails and why
   */
  public Head verify(String chain) throws IOException, BrokenChainException {
    String prefix = chain + "/audit/";
    List<String> paths = registry.list(prefix);
    long expected = 1;
    String previousHash = Digests.ZERO_HASH;
    for (String path : paths) {
      String name = path.substring(prefix.length());
      if (!name.matches("\\d{8}\\.json")) {
        throw new BrokenChainException(expected, "unexpected file " + registry.locationOf(path) + " in audit chain " + chain);
      }
      long seq = Long.parseLong(name.substring(0, 8));
      if (seq != expected) {
        throw new BrokenChainException(expected, "audit entry " + expected + " of chain " + chain + " is missing (the next entry present is " + seq + ")");
      }
      byte[] bytes = registry.get(path).orElseThrow(() -> new IOException(registry.locationOf(path) + " vanished while verifying"));
      checkEntry(chain, seq, bytes, previousHash);
      previousHash = Digests.sha256Hex(bytes);
      expected++;
    }
    return new Head(expected - 1, previousHash);
  }

  private static void checkEntry(String chain, long seq, byte[] bytes, String expectedPrevious) throws BrokenChainException {
    JsonNode n;
    try {
      n = CanonicalJson.mapper().readTree(bytes);
    } catch (IOException e) {
      throw new BrokenChainException(seq, "audit entry " + seq + " of chain " + chain + " is not valid JSON");
    }
    if (n == null || n.path("sequence").asLong(-1) != seq) {
      throw new BrokenChainException(seq, "audit entry " + seq + " of chain " + chain + " records sequence " + (n == null ? "none" : n.path("sequence")));
    }
    if (!n.path("event").isObject()) {
      throw new BrokenChainException(seq, "audit entry " + seq + " of chain " + chain + " has no event");
    }
    String recorded = n.path("previousHash").asText("");
    if (!recorded.equals(expectedPrevious)) {
      throw new BrokenChainException(seq, seq == 1
          ? "audit entry 1 of chain " + chain + " records previousHash " + recorded + " but the first entry must record 64 zeros"
          : "audit entry " + seq + " of chain " + chain + " records previousHash " + recorded + " but entry " + (seq - 1)
              + " hashes to " + expectedPrevious + ": entry " + (seq - 1) + " was changed after entry " + seq + " was written, or entry " + seq + " was altered");
    }
  }

  static byte[] entryBytes(long sequence, String previousHash, AuditEvent event) {
    Map<String, Object> e = new HashMap<>(); // HashMap: event fields may be null
    e.put("timestamp", event.timestamp());
    e.put("action", event.action());
    e.put("resource", event.resource());
    e.put("user", event.user());
    e.put("status", event.status());
    e.put("metadata", new TreeMap<>(event.metadata()));
    return CanonicalJson.bytes(Map.of("sequence", sequence, "previousHash", previousHash, "event", e));
  }
}
