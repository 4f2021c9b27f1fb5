package io.dbrunbooks.workflows.restore;

import io.dbrunbooks.workflows.common.RefusedUpdate;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;

/**
 * The four-eyes rule of the switchover's updates, for their validators: a named approver, on the
 * target's list, who is not the person who started the restore. Names compare case-insensitively,
 * so "Alice" cannot approve what "alice" started.
 */
final class Approvals {
  private Approvals() {}

  /** @throws RefusedUpdate naming the rule the approval breaks (the update is rejected, nothing recorded) */
  static void check(String what, Approval approval, String initiator, List<String> approvers) {
    if (approval == null || approval.approver() == null || approval.approver().isBlank()) {
      throw refused(what + " needs an approver: {\"approver\": \"<your name>\"}");
    }
    String who = normalize(approval.approver());
    if (initiator != null && who.equals(normalize(initiator))) {
      throw refused(approval.approver().strip() + " started this restore and cannot approve " + what
          + ": ask one of " + String.join(", ", approvers));
    }
    if (approvers.stream().map(Approvals::normalize).noneMatch(who::equals)) {
      throw refused(approval.approver().strip() + " is not on the approver list for " + what
          + " (" + String.join(", ", approvers) + "); the list is switchover.approvers in the worker's targets file");
    }
  }

  /** A refused approval: the sentence alone reaches the approver (see {@link RefusedUpdate}). */
  static RefusedUpdate refused(String sentence) {
    return new RefusedUpdate(sentence);
  }

  private static String normalize(String name) {
    // NFKC first: a name typed with another Unicode composition must not pass for someone else.
    return Normalizer.normalize(name.strip(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }
}
