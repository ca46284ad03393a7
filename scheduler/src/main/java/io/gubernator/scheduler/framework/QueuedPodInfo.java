package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * A pod waiting in the scheduling queue: when it was first queued (for ordering), how often it
 * was tried (for backoff) and which plugins rejected it last (for logging).
 */
public final class QueuedPodInfo {

  public volatile Pod pod;
  public final long initialAttemptNanos;
  public long timestampNanos;
  public int attempts;
  /** Plugins that rejected the pod in its last attempt: which cluster events can help it. */
  public volatile java.util.Set<String> unschedulablePlugins = java.util.Set.of();
  /** The queue's move-request cycle when this pod was popped; see SchedulingQueue. */
  public long popCycle;

  public QueuedPodInfo(Pod pod, long nowNanos) {
    this.pod = pod;
    this.initialAttemptNanos = nowNanos;
    this.timestampNanos = nowNanos;
  }

  public int priority() {
    Integer p = pod.getSpec().getPriority();
    return p == null ? 0 : p;
  }
}
