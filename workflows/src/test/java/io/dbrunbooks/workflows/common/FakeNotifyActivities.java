package io.dbrunbooks.workflows.common;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
