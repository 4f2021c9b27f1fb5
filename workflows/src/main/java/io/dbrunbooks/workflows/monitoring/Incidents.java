package io.dbrunbooks.workflows.monitoring;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The rule "once per incident", over what is open: a firing alert opens an incident only when none
 * of its kind is open; a kind observed clear closes the incident only when one is open. An alert
 * that stays open keeps its first summary and time (the book is not rewritten on every check just
 * because an age grew). Pure: the book's activity applies it, and workflow tests run it as is.
 */
public final class Incidents {
  private Incidents() {}

  /** The open incidents after {@code update}, and which it opened and closed (each notified once). */
  public static AlertChanges apply(List<OpenAlert> open, AlertUpdate update) {
    Map<AlertKind, OpenAlert> now = new EnumMap<>(AlertKind.class);
    open.forEach(a -> now.put(a.kind(), a));
    List<OpenAlert> raised = new ArrayList<>();
    List<OpenAlert> resolved = new ArrayList<>();
    for (Alert a : update.firing()) {
      if (!now.containsKey(a.kind())) {
        OpenAlert incident = new OpenAlert(a.kind(), a.kind().severity(), id(a.kind(), update.observedAt()),
            update.observedAt(), a.summary(), a.details(), update.checkRun());
        now.put(a.kind(), incident);
        raised.add(incident);
      }
    }
    for (AlertKind k : update.clear()) {
      OpenAlert was = now.remove(k);
      if (was != null) {
        resolved.add(was);
      }
    }
    return new AlertChanges(raised, resolved, List.copyOf(now.values()));
  }

  /** {@code backup-stale-20261202T164500Z}: the kind and when the check first saw it. */
  public static String id(AlertKind kind, String observedAt) {
    return kind.word() + "-" + observedAt.replaceAll("[-:]", "").replaceAll("\\.\\d+", "");
  }
}
