package io.dbrunbooks.workflows.restore;

import java.util.List;

/** @param removed what went: blue's data directory */
public record DecommissionResult(String target, String restoreId, ApprovalRecord approval, List<String> removed, String removedAt) {

  public DecommissionResult {
    removed = removed == null ? List.of() : List.copyOf(removed);
  }
}
