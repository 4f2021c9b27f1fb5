package io.dbrunbooks.workflows.restore;

import java.util.List;

/** Answer of the decommission workflow's {@code progress} query. */
public record DecommissionProgress(
    String target,
    String restoreId,
    DecommissionPhase phase,
    String keepBlueUntil,
    List<String> approvers,
    ApprovalRecord approval,
    BlueServer blue,
    List<String> removed,
    String lastError) {

  public DecommissionProgress {
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
    removed = removed == null ? List.of() : List.copyOf(removed);
  }
}
