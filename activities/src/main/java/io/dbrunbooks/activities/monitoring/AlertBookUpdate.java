package io.dbrunbooks.activities.monitoring;

import io.dbrunbooks.workflows.monitoring.Alert;
import io.dbrunbooks.workflows.monitoring.AlertChanges;
import io.dbrunbooks.workflows.monitoring.AlertKind;
import io.dbrunbooks.workflows.monitoring.AlertUpdate;
import io.dbrunbooks.workflows.monitoring.OpenAlert;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The rule "once per incident", applied to one version of the book: a firing alert opens an
 * incident only when none of its kind is open; a clear kind closes the incident only when one is
 * open. An alert that stays open keeps its first summary and time (the book is not rewritten on
 * every check just because an age grew).
 */
final class AlertBookUpdate {
  private AlertBookUpdate() {}

  /** The next version, or empty when nothing changes (no write then). */
  static Optional<AlertBook.State> apply(AlertBook.State book, AlertUpdate u) {
    Map<AlertKind, OpenAlert> open = new EnumMap<>(AlertKind.class);
    book.open().forEach(a -> open.put(a.kind(), a));
    List<OpenAlert> raised = new ArrayList<>();
    List<OpenAlert> resolved = new ArrayList<>();
    for (Alert a : u.firing()) {
      if (!open.containsKey(a.kind())) {
        OpenAlert incident = new OpenAlert(a.kind(), a.kind().severity(), incidentId(a.kind(), u.observedAt()), u.observedAt(),
            a.summary(), a.details(), u.checkRun());
        open.put(a.kind(), incident);
        raised.add(incident);
      }
    }
    for (AlertKind k : u.clear()) {
      OpenAlert was = open.remove(k);
      if (was != null) {
        resolved.add(was);
      }
    }
    if (raised.isEmpty() && resolved.isEmpty() && Objects.equals(book.walWatch(), u.walWatch())) {
      return Optional.empty();
    }
    return Optional.of(new AlertBook.State(book.version() + 1, u.target(), List.copyOf(open.values()), u.walWatch(),
        new AlertBook.Change(u.checkRun(), u.observedAt(), raised, resolved)));
  }

  static AlertChanges changes(AlertBook.State book) {
    AlertBook.Change c = book.lastChange();
    return new AlertChanges(c == null ? List.of() : c.raised(), c == null ? List.of() : c.resolved(), book.open());
  }

  /** {@code backup-stale-20261202T164500Z}: the kind and when the check saw it first. */
  static String incidentId(AlertKind kind, String observedAt) {
    String compact = observedAt.replaceAll("[-:]", "").replaceAll("\\.\\d+", "");
    return kind.word() + "-" + compact;
  }
}
