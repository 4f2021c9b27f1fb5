package io.dbrunbooks.workflows.restore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Input of {@link BlueDecommissionWorkflow}, from the promoted restore.
 *
 * @param initiator the restore's operator: may not approve the decommission
 * @param approvers the target's approver list when the restore was promoted
 * @param keepBlueUntil ISO-8601; blue is not removed before
 * @param blue the stopped server, as recorded before the switch
 * @param restoreManifest the switchover manifest's path in the evidence registry (sealed right after this starts)
 */
public record DecommissionRequest(
    String target,
    String restoreId,
    String initiator,
    List<String> approvers,
    String keepBlueUntil,
    BlueServer blue,
    String restoreManifest,
    String ticket) {

  public DecommissionRequest {
    // A copy that keeps null entries: validation names them rather than failing to decode.
    approvers = approvers == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(approvers));
  }
}
