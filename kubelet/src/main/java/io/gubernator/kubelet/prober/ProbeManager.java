package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.gubernator.client.EventRecorder;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's probe manager (pkg/kubelet/prober): a worker per running container instance and
 * probe type, on virtual threads, and the results the kubelet reads when it syncs a pod —
 * readiness for the status, startup for the started flag, liveness (and startup) failures for
 * restarts. Results belong to a container ID, so a restarted container starts over. When a result
 * changes, {@code resync} gets the pod UID so that the kubelet syncs the pod at once rather than at
 * its next periodic sync.
 */
public final class ProbeManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProbeManager.class);
  private static final String CRI_PREFIX = "containerd://";

  /** Where the workers' events go; {@link EventRecorder#event} in the kubelet. */
  @FunctionalInterface
  interface Recorder {
    void event(Pod pod, String type, String reason, String message);
  }

  private final Prober prober;
  private final Recorder events;
  private final Consumer<String> resync;
  private final Clock clock;
  private final boolean startWorkers;
  private final ConcurrentMap<String, PodProbes> pods = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public ProbeManager(Prober prober, EventRecorder events, Consumer<String> resync) {
    this(prober, events::event, resync, Clock.systemUTC(), true);
  }

  /** @param startWorkers false in tests that drive {@link ProbeWorker#doProbe} themselves */
  ProbeManager(Prober prober, Recorder events, Consumer<String> resync, Clock clock, boolean startWorkers) {
    this.prober = prober;
    this.events = events;
    this.resync = resync;
    this.clock = clock;
    this.startWorkers = startWorkers;
  }

  /**
   * Brings the workers in line with a pod and what the runtime runs for it: workers for each
   * running container that has probes, none for containers that stopped or were replaced. Call on
   * every pod sync, after the runtime view is read and before the pod's status is generated.
   */
  public void update(Pod pod, RuntimePod runtimePod) {
    if (closed) return;
    String uid = pod.getMetadata().getUid();
    String podIp = runtimePod.readySandbox().map(s -> s.getNetwork().getIp()).filter(ip -> !ip.isEmpty())
        .orElse(pod.getStatus() == null ? null : pod.getStatus().getPodIP());
    pods.compute(uid, (k, p) -> {
      if (p == null) p = new PodProbes(uid);
      p.pod = pod;
      if (podIp != null && !podIp.isEmpty()) p.podIp = podIp;
      Map<String, Container> specs = new HashMap<>();
      for (Container c : probedContainers(pod)) specs.put(c.getName(), c);
      p.specs = specs;
      for (var it = p.running.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!specs.containsKey(e.getKey())) {
          e.getValue().stop();
          it.remove();
        }
      }
      for (Container c : specs.values()) {
        ContainerProbes current = p.running.get(c.getName());
        Optional<ContainerStatus> running = runtimePod.latest(c.getName()).filter(s -> s.getState() == ContainerState.CONTAINER_RUNNING);
        if (current != null && running.isPresent() && current.containerId.equals(running.get().getId())) continue;
        if (current != null) {
          current.stop();
          p.running.remove(c.getName());
        }
        if (running.isEmpty() || !hasProbes(c)) continue;
        ContainerProbes fresh = new ContainerProbes(p, c, running.get().getId(), Instant.ofEpochSecond(0, running.get().getStartedAt()));
        p.running.put(c.getName(), fresh);
        LOG.debug("probe workers started: pod={} container={} containerID={} probes={}", p.podName(), c.getName(), fresh.containerId,
            fresh.workers.keySet());
        if (startWorkers) fresh.workers.values().forEach(ProbeWorker::start);
      }
      return p;
    });
  }

  /** The pod is gone from the node: its workers stop and its results are forgotten. */
  public void remove(String podUid) {
    PodProbes p = pods.remove(podUid);
    if (p != null) p.running.values().forEach(ContainerProbes::stop);
  }

  /**
   * Whether a running container counts as ready: its readiness probe has succeeded
   * successThreshold times (and its startup probe has succeeded); true without a readiness probe.
   */
  public boolean ready(String podUid, String containerName) {
    PodProbes p = pods.get(podUid);
    if (p == null) return true;
    Container spec = p.specs.get(containerName);
    if (spec == null) return true;
    ContainerProbes c = p.running.get(containerName);
    if (c == null) return spec.getReadinessProbe() == null && spec.getStartupProbe() == null;
    if (!c.started()) return false;
    ProbeWorker readiness = c.workers.get(ProbeType.READINESS);
    return readiness == null || readiness.result() == ProbeWorker.Result.SUCCESS;
  }

  /** Whether a running container has started: it has no startup probe, or that probe succeeded. */
  public boolean started(String podUid, String containerName) {
    PodProbes p = pods.get(podUid);
    if (p == null) return true;
    Container spec = p.specs.get(containerName);
    if (spec == null) return true;
    ContainerProbes c = p.running.get(containerName);
    return c == null ? spec.getStartupProbe() == null : c.started();
  }

  /**
   * Whether this container instance failed its liveness (or startup) probe failureThreshold
   * times in a row: the kubelet must kill and restart it. Accepts the CRI ID with or without
   * "containerd://".
   */
  public boolean livenessFailed(String podUid, String containerName, String containerId) {
    PodProbes p = pods.get(podUid);
    ContainerProbes c = p == null ? null : p.running.get(containerName);
    if (c == null || containerId == null) return false;
    String id = containerId.startsWith(CRI_PREFIX) ? containerId.substring(CRI_PREFIX.length()) : containerId;
    if (!c.containerId.equals(id)) return false;
    ProbeWorker liveness = c.workers.get(ProbeType.LIVENESS);
    ProbeWorker startup = c.workers.get(ProbeType.STARTUP);
    return (liveness != null && liveness.result() == ProbeWorker.Result.FAILURE)
        || (startup != null && startup.result() == ProbeWorker.Result.FAILURE);
  }

  @Override
  public void close() {
    closed = true;
    for (String uid : List.copyOf(pods.keySet())) remove(uid);
  }

  /** The worker of one running container's probe, or null (for tests, which drive workers by hand). */
  ProbeWorker worker(String podUid, String containerName, ProbeType type) {
    PodProbes p = pods.get(podUid);
    ContainerProbes c = p == null ? null : p.running.get(containerName);
    return c == null ? null : c.workers.get(type);
  }

  Prober prober() {
    return prober;
  }

  Clock clock() {
    return clock;
  }

  void event(Pod pod, String type, String reason, String message) {
    events.event(pod, type, reason, message);
  }

  void resync(String podUid) {
    if (!closed) resync.accept(podUid);
  }

  /** App containers and sidecars (restartable init containers): the containers Kubernetes probes. */
  private static List<Container> probedContainers(Pod pod) {
    List<Container> out = new ArrayList<>();
    for (Container c : pod.getSpec().getInitContainers()) if ("Always".equals(c.getRestartPolicy())) out.add(c);
    out.addAll(pod.getSpec().getContainers());
    return out;
  }

  private static boolean hasProbes(Container c) {
    for (ProbeType t : ProbeType.values()) if (t.of(c) != null) return true;
    return false;
  }

  /** One pod's probe state; replaced wholesale only under {@code pods.compute}. */
  static final class PodProbes {
    final String uid;
    volatile Pod pod;
    volatile String podIp;
    volatile Map<String, Container> specs = Map.of();
    final Map<String, ContainerProbes> running = new ConcurrentHashMap<>();

    PodProbes(String uid) {
      this.uid = uid;
    }

    String podName() {
      return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
  }

  /** The workers of one container instance. */
  final class ContainerProbes {
    private final PodProbes pod;
    private final Container spec;
    private final String containerId;
    private final Instant startedAt;
    private final Map<ProbeType, ProbeWorker> workers = new EnumMap<>(ProbeType.class);

    ContainerProbes(PodProbes pod, Container spec, String containerId, Instant startedAt) {
      this.pod = pod;
      this.spec = spec;
      this.containerId = containerId;
      this.startedAt = startedAt;
      for (ProbeType t : ProbeType.values()) {
        Probe probe = t.of(spec);
        if (probe != null) workers.put(t, new ProbeWorker(ProbeManager.this, this, t, probe));
      }
    }

    Pod pod() {
      return pod.pod;
    }

    String podUid() {
      return pod.uid;
    }

    String podName() {
      return pod.podName();
    }

    String podIp() {
      return pod.podIp;
    }

    Container spec() {
      return spec;
    }

    String name() {
      return spec.getName();
    }

    String containerId() {
      return containerId;
    }

    Instant startedAt() {
      return startedAt;
    }

    boolean started() {
      ProbeWorker startup = workers.get(ProbeType.STARTUP);
      return startup == null || startup.result() == ProbeWorker.Result.SUCCESS;
    }

    /** Liveness and readiness were waiting for this; they probe now rather than at their next period. */
    void startupSucceeded() {
      workers.forEach((t, w) -> {
        if (t != ProbeType.STARTUP) w.trigger();
      });
    }

    void stop() {
      workers.values().forEach(ProbeWorker::stop);
    }
  }
}
