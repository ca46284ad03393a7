package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.gubernator.client.EventRecorder;
import io.gubernator.kubelet.prober.ProbeResult;
import io.gubernator.kubelet.prober.Prober;
import java.time.Duration;

/**
 * Container lifecycle hooks (postStart, preStop): exec in the container, an HTTP GET to the pod,
 * or a sleep, as the kubelet's handler runner does them. exec and httpGet go through the same
 * {@link Prober} the probes use, with the hook's time budget as the timeout.
 */
public final class LifecycleHooks {

  private final Prober prober;
  private final EventRecorder events;

  public LifecycleHooks(Prober prober, EventRecorder events) {
    this.prober = prober;
    this.events = events;
  }

  /** Runs {@code handler}; returns null when it succeeded, else why it failed. */
  String run(Pod pod, Container container, String containerId, LifecycleHandler handler, Duration budget) {
    if (handler.getSleep() != null) {
      long seconds = handler.getSleep().getSeconds() == null ? 0 : handler.getSleep().getSeconds();
      try {
        Thread.sleep(Math.min(seconds * 1000, budget.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
    Probe probe = new Probe();
    probe.setExec(handler.getExec());
    probe.setHttpGet(handler.getHttpGet());
    probe.setTcpSocket(handler.getTcpSocket());
    probe.setTimeoutSeconds((int) Math.max(1, Math.min(Integer.MAX_VALUE, budget.toSeconds())));
    if (probe.getExec() == null && probe.getHttpGet() == null && probe.getTcpSocket() == null) return "the handler has no action";
    String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    ProbeResult result = prober.probe(pod, podIp, container, containerId, probe);
    return result.succeeded() ? null : result.output();
  }

  /** postStart: true when the container may keep running; false when it must be killed (as Kubernetes does). */
  boolean postStart(Pod pod, Container container, String containerId) {
    if (container.getLifecycle() == null || container.getLifecycle().getPostStart() == null) return true;
    String failure = run(pod, container, containerId, container.getLifecycle().getPostStart(), Duration.ofMinutes(2));
    if (failure == null) return true;
    events.event(pod, EventRecorder.WARNING, "FailedPostStartHook", "PostStartHook failed: " + failure);
    return false;
  }

  /**
   * preStop, within the grace period; returns the seconds left for the stop (at least 2, as the
   * kubelet grants after a hook that used up the period).
   */
  long preStop(Pod pod, Container container, String containerId, long graceSeconds) {
    if (graceSeconds <= 0 || container.getLifecycle() == null || container.getLifecycle().getPreStop() == null) return graceSeconds;
    long begin = System.nanoTime();
    String failure = run(pod, container, containerId, container.getLifecycle().getPreStop(), Duration.ofSeconds(graceSeconds));
    if (failure != null) {
      events.event(pod, EventRecorder.WARNING, "FailedPreStopHook", "PreStopHook failed: " + failure);
    }
    long used = (System.nanoTime() - begin) / 1_000_000_000L;
    return Math.max(2, graceSeconds - used);
  }
}
