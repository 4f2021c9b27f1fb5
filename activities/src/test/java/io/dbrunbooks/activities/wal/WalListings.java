package io.dbrunbooks.activities.wal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test fixture: an archive listing of complete segments without writing a byte, for pure planners. */
public final class WalListings {
  private WalListings() {}

  /** Complete segments, each under the key the archive would give it (content hash left as zeros). */
  public static WalListing of(int segmentSize, Collection<WalSegment> segments) {
    Map<WalSegment, String> keys = new LinkedHashMap<>();
    for (WalSegment s : segments) {
      keys.put(s, "orders/wal/" + s.name().substring(0, 16) + "/" + s.name() + "-" + "0".repeat(64) + ".zst.aes");
    }
    return new WalListing(segmentSize, keys, Map.of(), Map.of(), List.of());
  }
}
