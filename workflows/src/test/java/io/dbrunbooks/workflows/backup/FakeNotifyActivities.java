package io.dbrunbooks.workflows.backup;

import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records notifications; shared by the runbooks' workflow tests. */
public class FakeNotifyActivities implements NotifyActivities {
  public final List<Notification> sent = new CopyOnWriteArrayList<>();
  public volatile RuntimeException failure;

  @Override
  public void send(Notification n) {
    if (failure != null) {
      throw failure;
    }
    sent.add(n);
  }

  public List<String> events() {
    return sent.stream().map(Notification::event).toList();
  }
}
