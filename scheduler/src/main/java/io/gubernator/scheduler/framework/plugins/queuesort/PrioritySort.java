package io.gubernator.scheduler.framework.plugins.queuesort;

import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.QueuedPodInfo;

/** PrioritySort: higher spec.priority first, then the pod queued earlier. */
public final class PrioritySort implements Plugin.QueueSort {

  public static final String NAME = "PrioritySort";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean less(QueuedPodInfo a, QueuedPodInfo b) {
    int pa = a.priority();
    int pb = b.priority();
    return pa > pb || (pa == pb && a.timestampNanos < b.timestampNanos);
  }
}
