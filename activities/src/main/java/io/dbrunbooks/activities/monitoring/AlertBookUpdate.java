package io.dbrunbooks.activities.monitoring;

import io.dbrunbooks.workflows.monitoring.AlertChanges;
import io.dbrunbooks.workflows.monitoring.AlertUpdate;
import io.dbrunbooks.workflows.monitoring.Incidents;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One check's verdict applied to one version of the book ({@link Incidents} decides), as the next version. */
final class AlertBookUpdate {
  private AlertBookUpdate() {}

  /** The next version, or empty when nothing changes (no write then). */
  static Optional<AlertBook.State> apply(AlertBook.State book, AlertUpdate u) {
    AlertChanges c = Incidents.apply(book.open(), u);
    if (c.raised().isEmpty() && c.resolved().isEmpty() && Objects.equals(book.walWatch(), u.walWatch())) {
      return Optional.empty();
    }
    return Optional.of(new AlertBook.State(book.version() + 1, u.target(), c.open(), u.walWatch(),
        new AlertBook.Change(u.checkRun(), u.observedAt(), c.raised(), c.resolved())));
  }

  static AlertChanges changes(AlertBook.State book) {
    AlertBook.Change c = book.lastChange();
    return new AlertChanges(c == null ? List.of() : c.raised(), c == null ? List.of() : c.resolved(), book.open());
  }
}
