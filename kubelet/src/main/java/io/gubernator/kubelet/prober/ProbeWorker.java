package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.gubernator.client.EventRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes one container instance (one container ID) with one of its probes every periodSeconds,
 * as the kubelet's prober worker: counts consecutive outcomes against successThreshold and
 * failureThreshold, and publishes a result only when a threshold is reached. A liveness or startup
 * failure ends the worker (the container is going to be restarted, and a restarted container gets
 * new workers), as does a startup success.
 */
final class ProbeWorker {

  private static final Logger LOG = LoggerFactory.getLogger(ProbeWorker.class);
  /** As Kubernetes' maxProbeRetries: a probe that cannot run is tried again at once, this often. */
  static final int MAX_PROBE_RETRIES = 3;

  enum Result { SUCCESS, FAILURE }

  private final ProbeManager manager;
  private final ProbeManager.ContainerProbes container;
  private final ProbeType type;
  private final Probe probe;
  private final Semaphore wake = new Semaphore(0);
  /** What the kubelet sees (Kubernetes' results manager); null until the first startup result. */
  private volatile Result result;
  private volatile boolean stopped;
  private volatile Thread thread;
  // Only the worker's own thread touches these.
  private Result lastResult;
  private int resultRun;

  ProbeWorker(ProbeManager manager, ProbeManager.ContainerProbes container, ProbeType type, Probe probe) {
    this.manager = manager;
    this.container = container;
    this.type = type;
    this.probe = probe;
    // A new container is not ready until proven so, and alive until proven otherwise.
    this.result = switch (type) {
      case READINESS -> Result.FAILURE;
      case LIVENESS -> Result.SUCCESS;
      case STARTUP -> null;
    };
  }

  ProbeType type() {
    return type;
  }

  Result result() {
    return result;
  }

  void start() {
    thread = Thread.ofVirtual().name("probe-" + type.name().toLowerCase(java.util.Locale.ROOT) + "-" + container.podName() + "/" + container.name())
        .start(this::run);
  }

  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) t.interrupt();
  }

  /** Probes at once instead of at the next period (the startup probe just succeeded). */
  void trigger() {
    wake.release();
  }

  private void run() {
    long period = TimeUnit.SECONDS.toNanos(positive(probe.getPeriodSeconds(), 10));
    Duration delay = Duration.between(manager.clock().instant(), firstProbeAt());
    long wait = delay.isNegative() ? 0 : delay.toNanos();
    // A container that was running before this worker (the kubelet restarted) is probed at a
    // random point of its period, so that hundreds of pods are not all probed in the same instant.
    if (delay.toNanos() < -period) wait = ThreadLocalRandom.current().nextLong(period);
    if (wait > 0 && !await(wait)) return;
    long next = System.nanoTime();
    while (!stopped) {
      boolean more;
      try {
        more = doProbe();
      } catch (RuntimeException e) {
        LOG.warn("probe worker error: pod={} container={} probe={}", container.podName(), container.name(), type, e);
        more = true;
      }
      if (!more) break;
      long now = System.nanoTime();
      while (next <= now) next += period;
      if (!await(next - now)) break;
      if (System.nanoTime() < next) next = System.nanoTime();
    }
  }

  /** Sleeps up to {@code nanos} or until triggered; false when the worker was stopped. */
  private boolean await(long nanos) {
    try {
      if (wake.tryAcquire(nanos, TimeUnit.NANOSECONDS)) wake.drainPermits();
    } catch (InterruptedException e) {
      return false;
    }
    return !stopped;
  }

  private Instant firstProbeAt() {
    return container.startedAt().plusSeconds(positive(probe.getInitialDelaySeconds(), 0));
  }

  /** One round; false when this worker has nothing more to do. */
  boolean doProbe() {
    if (stopped) return false;
    Pod pod = container.pod();
    if (pod.getMetadata().getDeletionTimestamp() != null && type != ProbeType.READINESS) {
      // A pod being deleted is not restarted for failing liveness; readiness keeps being probed
      // so that endpoints drop it as soon as it stops serving.
      set(Result.SUCCESS);
      return false;
    }
    if (manager.clock().instant().isBefore(firstProbeAt())) return true;
    if (type != ProbeType.STARTUP && !container.started()) return true;

    ProbeResult r = probeWithRetries(pod);
    if (r == null) return true;
    Result outcome = r.succeeded() ? Result.SUCCESS : Result.FAILURE;
    if (outcome == lastResult) {
      resultRun++;
    } else {
      lastResult = outcome;
      resultRun = 1;
    }
    if ((outcome == Result.FAILURE && resultRun < positive(probe.getFailureThreshold(), 3))
        || (outcome == Result.SUCCESS && resultRun < positive(probe.getSuccessThreshold(), 1))) {
      return true;
    }
    set(outcome);
    if (type != ProbeType.READINESS && outcome == Result.FAILURE) {
      // The kubelet restarts the container; probing it while it is being killed only adds noise.
      resultRun = 0;
      return false;
    }
    if (type == ProbeType.STARTUP) {
      container.startupSucceeded();
      return false;
    }
    return true;
  }

  private ProbeResult probeWithRetries(Pod pod) {
    Container spec = container.spec();
    ProbeResult r = null;
    for (int i = 0; i < MAX_PROBE_RETRIES; i++) {
      r = manager.prober().probe(pod, container.podIp(), spec, container.containerId(), probe);
      if (r.result() != ProbeResult.Result.UNKNOWN) break;
    }
    switch (r.result()) {
      case SUCCESS -> LOG.debug("probe succeeded: pod={} container={} probe={}", container.podName(), spec.getName(), type);
      case WARNING -> {
        LOG.debug("probe succeeded with a warning: pod={} container={} probe={} output={}", container.podName(), spec.getName(), type, r.output());
        manager.event(pod, EventRecorder.WARNING, "ProbeWarning", type.title() + " probe warning: " + r.output());
      }
      case FAILURE -> {
        LOG.debug("probe failed: pod={} container={} probe={} output={}", container.podName(), spec.getName(), type, r.output());
        manager.event(pod, EventRecorder.WARNING, "Unhealthy", type.title() + " probe failed: " + r.output());
      }
      case UNKNOWN -> {
        // Not the container's fault: the outcome is thrown away, as Kubernetes does with probe errors.
        LOG.info("probe errored: pod={} container={} probe={} error={}", container.podName(), spec.getName(), type, r.output());
        manager.event(pod, EventRecorder.WARNING, "Unhealthy", type.title() + " probe errored: " + r.output());
        return null;
      }
    }
    return r;
  }

  private void set(Result value) {
    Result old = result;
    result = value;
    if (old != value) {
      LOG.info("probe result changed: pod={} container={} containerID={} probe={} result={}", container.podName(), container.name(),
          container.containerId(), type, value);
      manager.resync(container.podUid());
    }
  }

  private static int positive(Integer value, int fallback) {
    return value == null || value < 1 ? fallback : value;
  }
}
