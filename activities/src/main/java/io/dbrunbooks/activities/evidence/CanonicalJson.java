package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON form evidence is written in: compact, UTF-8, object keys sorted at every level.
 *
 * <p>Why it matters: a retried activity rebuilds the same audit entry or manifest from the same
 * workflow input, and must produce the very same bytes so the write-once registry sees a retry
 * (accepted) rather than a conflicting write (refused), and so hashes in the chain stay stable.
 */
public final class CanonicalJson {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private CanonicalJson() {}

  /** Jackson mapper for reading evidence back (lenient reading, canonical writing). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Canonical bytes of {@code value}. The value is first converted to plain maps and lists, so
   * records, POJOs and {@code JsonNode}s (whose own key order Jackson would keep) all come out
   * sorted the same way.
   */
  public static byte[] bytes(Object value) {
    try {
      Object plain = MAPPER.convertValue(value, Object.class);
      return MAPPER.writeValueAsBytes(plain);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException("value is not JSON-serialisable: " + e.getMessage(), e);
    }
  }
}
