package io.dbrunbooks.workflows.common;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Tells downstream systems what happened: a JSON webhook POST and a structured log line. */
@ActivityInterface
public interface NotifyActivities {
  @ActivityMethod(name = "Notify")
  void send(Notification notification);
}
