package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.api.resource.Containers;
import io.gubernator.client.EventRecorder;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.cri.v1.ContainerConfig;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.Mount;
import io.gubernator.kubelet.cri.v1.PodSandbox;
import io.gubernator.kubelet.cri.v1.PodSandboxConfig;
import io.gubernator.kubelet.cri.v1.PodSandboxState;
import io.gubernator.kubelet.cri.v1.PodSandboxStatus;
import io.gubernator.kubelet.prober.ProbeManager;
import io.gubernator.kubelet.volume.VolumeManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the runtime toward a pod's spec, as the kubelet's kuberuntime manager does: one sandbox,
 * init containers one at a time to success, then every app container, restarted per the restart
 * policy with back-off. {@link #syncPod} first decides, from a fresh {@link RuntimePod}, what to
 * do, then does it; it is safe to call again at any time.
 */
public final class KubeRuntimeManager {

  /** Why a container is not running although it should be (shown as its waiting state). */
  public record Waiting(String reason, String message) {}

  private static final Logger LOG = LoggerFactory.getLogger(KubeRuntimeManager.class);

  private final RemoteRuntime runtime;
  private final ImageManager images;
  private final VolumeManager volumes;
  private final EnvVars.Objects objects;
  private final EventRecorder events;
  private final Path podLogsRoot;
  private final ProbeManager probes;
  private final LifecycleHooks hooks;
  private final Backoff restarts = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));
  private final ConcurrentMap<String, Map<String, Waiting>> waiting = new ConcurrentHashMap<>();
  private final RuntimeCache cache = new RuntimeCache();
  /**
   * The statuses last read, by sandbox or container ID. A status changes only with its state
   * (an exit code, a finish time, an IP never change afterwards), so the relist asks the runtime
   * only for what is new or has moved on.
   */
  private final ConcurrentMap<String, PodSandboxStatus> sandboxStatuses = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ContainerStatus> containerStatuses = new ConcurrentHashMap<>();
  /**
   * Sandbox creation (runc, network namespace, CNI plugins) is the CPU-heavy step of a pod start.
   * On a small machine, running all of a burst's at once only makes every pod wait for every
   * other; a few at a time, first come first served, lets the first pods run first.
   */
  private final java.util.concurrent.Semaphore sandboxSlots = new java.util.concurrent.Semaphore(
      Math.max(2, Runtime.getRuntime().availableProcessors()), true);

  public KubeRuntimeManager(RemoteRuntime runtime, ImageManager images, VolumeManager volumes, EnvVars.Objects objects,
      EventRecorder events, Path podLogsRoot, ProbeManager probes) {
    this.probes = probes;
    this.hooks = new LifecycleHooks(new io.gubernator.kubelet.prober.ContainerProber(runtime), events);
    this.runtime = runtime;
    this.images = images;
    this.volumes = volumes;
    this.objects = objects;
    this.events = events;
    this.podLogsRoot = podLogsRoot;
  }

  public RemoteRuntime runtime() {
    return runtime;
  }

  /**
   * The runtime's view of one pod, read fresh: its lists, and as the relist does, a status call only
   * for a sandbox or container that is new or whose state moved on.
   */
  public RuntimePod runtimePod(String uid) {
    long readAt = System.nanoTime();
    Map<String, String> selector = Map.of(Labels.POD_UID, uid);
    List<PodSandboxStatus> sandboxes = new ArrayList<>();
    for (PodSandbox s : runtime.listPodSandboxes(selector)) {
      PodSandboxStatus status = sandboxStatus(s.getId(), s.getState());
      if (status != null) sandboxes.add(status);
    }
    List<ContainerStatus> containers = new ArrayList<>();
    for (var c : runtime.listContainers(selector)) {
      ContainerStatus status = containerStatus(c.getId(), c.getState());
      if (status != null) containers.add(status);
    }
    RuntimePod rp = new RuntimePod(uid, sandboxes, containers);
    cache.put(rp, readAt);
    return rp;
  }

  /**
   * The pod's runtime view as the last relist or read left it, read fresh only when the kubelet
   * changed the pod since (or no relist has run yet): what a sync decides on.
   */
  public RuntimePod cachedRuntimePod(String uid) {
    RuntimePod rp = cache.get(uid);
    return rp != null ? rp : runtimePod(uid);
  }

  /**
   * Every pod in the runtime, as the PLEG relists them: two list calls, and a status call only
   * for a sandbox or container that is new or whose state changed. Feeds {@link #cachedRuntimePod}.
   */
  public Map<String, RuntimePod> relist() {
    long readAt = System.nanoTime();
    Map<String, String> managed = Map.of(Labels.MANAGED, "true");
    Map<String, List<PodSandboxStatus>> sandboxes = new HashMap<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (PodSandbox s : runtime.listPodSandboxes(managed)) {
      ids.add(s.getId());
      PodSandboxStatus status = sandboxStatus(s.getId(), s.getState());
      if (status != null) sandboxes.computeIfAbsent(s.getLabelsMap().getOrDefault(Labels.POD_UID, ""), k -> new ArrayList<>()).add(status);
    }
    Map<String, List<ContainerStatus>> containers = new HashMap<>();
    for (var c : runtime.listContainers(managed)) {
      ids.add(c.getId());
      ContainerStatus status = containerStatus(c.getId(), c.getState());
      if (status != null) containers.computeIfAbsent(c.getLabelsMap().getOrDefault(Labels.POD_UID, ""), k -> new ArrayList<>()).add(status);
    }
    sandboxStatuses.keySet().retainAll(ids);
    containerStatuses.keySet().retainAll(ids);
    Map<String, RuntimePod> pods = new HashMap<>();
    java.util.Set<String> uids = new java.util.HashSet<>(sandboxes.keySet());
    uids.addAll(containers.keySet());
    for (String uid : uids) pods.put(uid, new RuntimePod(uid, sandboxes.getOrDefault(uid, List.of()), containers.getOrDefault(uid, List.of())));
    cache.replaceAll(pods, readAt);
    return pods;
  }

  /** A sandbox's status: the one last read if its state is still {@code listed}, else the runtime's; null when it is gone. */
  private PodSandboxStatus sandboxStatus(String id, PodSandboxState listed) {
    return status(sandboxStatuses, id, listed, PodSandboxStatus::getState, runtime::podSandboxStatus);
  }

  /** A container's status: the one last read if its state is still {@code listed}, else the runtime's; null when it is gone. */
  private ContainerStatus containerStatus(String id, ContainerState listed) {
    return status(containerStatuses, id, listed, ContainerStatus::getState, runtime::containerStatus);
  }

  private static <S, T> S status(Map<String, S> known, String id, T listed, java.util.function.Function<S, T> state,
      java.util.function.Function<String, S> read) {
    S last = known.get(id);
    if (last != null && state.apply(last) == listed) return last;
    try {
      S status = read.apply(id);
      known.put(id, status);
      return status;
    } catch (RuntimeException e) {
      if (!RemoteRuntime.isNotFound(e)) throw e;
      return null;
    }
  }

  /**
   * Runs {@code change} to the pod's sandboxes or containers; until a read begun after it ends,
   * no view of the pod is served from the cache.
   */
  private <T> T changing(String uid, java.util.function.Supplier<T> change) {
    cache.changing(uid);
    try {
      return change.get();
    } finally {
      cache.changed(uid, System.nanoTime());
    }
  }

  private void changing(String uid, Runnable change) {
    changing(uid, () -> {
      change.run();
      return null;
    });
  }

  /** What keeps each container from running, from the last sync (for the pod's status). */
  public Map<String, Waiting> waiting(String uid) {
    return waiting.getOrDefault(uid, Map.of());
  }

  /**
   * One pass toward the spec. Returns when the pod should be looked at again even if nothing
   * changes (a back-off ends), or null.
   */
  public Duration syncPod(Pod pod, RuntimePod rp, String hostIp) {
    String uid = pod.getMetadata().getUid();
    Map<String, Waiting> blocked = new ConcurrentHashMap<>();
    waiting.put(uid, blocked);
    String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    if (PodPhases.isTerminal(pod, rp)) {
      stopAll(rp, 0);
      return null;
    }
    try {
      volumes.setUp(pod, hostIp);
    } catch (VolumeManager.VolumeException e) {
      events.event(pod, EventRecorder.WARNING, "FailedMount", e.getMessage());
      for (Container c : pod.getSpec().getContainers()) blocked.put(c.getName(), new Waiting("ContainerCreating", null));
      return Duration.ofSeconds(10);
    }
    Optional<PodSandboxStatus> ready = rp.readySandbox();
    String sandboxId;
    int attempt = rp.latestSandbox().map(s -> (int) s.getMetadata().getAttempt()).orElse(0);
    if (ready.isEmpty()) {
      if (!rp.isEmpty()) {
        // The sandbox died (or the node restarted): its containers go with it, then a new one starts.
        if ("Never".equals(policy) && !rp.containers().isEmpty()) {
          stopAll(rp, 0);
          return null;
        }
        stopAll(rp, 0);
        attempt++;
        events.event(pod, EventRecorder.NORMAL, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
      }
      PodSandboxConfig config = ContainerConfigs.sandbox(pod, attempt, podLogsRoot);
      try {
        Files.createDirectories(Path.of(config.getLogDirectory()));
      } catch (IOException e) {
        throw new IllegalStateException("cannot create the pod log directory " + config.getLogDirectory(), e);
      }
      try {
        sandboxSlots.acquireUninterruptibly();
        try {
          sandboxId = changing(uid, () -> runtime.runPodSandbox(config));
        } finally {
          sandboxSlots.release();
        }
      } catch (RuntimeException e) {
        events.event(pod, EventRecorder.WARNING, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
        for (Container c : pod.getSpec().getContainers()) blocked.put(c.getName(), new Waiting("ContainerCreating", null));
        throw e;
      }
      rp = runtimePod(uid);
    } else {
      sandboxId = ready.get().getId();
    }
    PodSandboxConfig sandboxConfig = ContainerConfigs.sandbox(pod, attempt, podLogsRoot);
    String podIp = rp.readySandbox().map(s -> s.getNetwork().getIp()).orElse("");
    Pod withIp = PodPhases.withPodIp(pod, podIp);

    // Init containers: in order, each to success, before any app container.
    for (Container c : pod.getSpec().getInitContainers()) {
      Optional<ContainerStatus> latest = rp.latest(c.getName());
      if (latest.isEmpty()) return start(withIp, c, true, 0, sandboxId, sandboxConfig, hostIp, blocked);
      ContainerStatus s = latest.get();
      if (s.getState() == ContainerState.CONTAINER_RUNNING) return null;
      if (s.getState() == ContainerState.CONTAINER_EXITED && s.getExitCode() == 0) continue;
      if (s.getState() == ContainerState.CONTAINER_EXITED && "Never".equals(policy)) return null;
      return restart(withIp, c, true, s, sandboxId, sandboxConfig, hostIp, blocked);
    }

    Duration again = null;
    for (Container c : pod.getSpec().getContainers()) {
      Optional<ContainerStatus> latest = rp.latest(c.getName());
      if (latest.isEmpty()) {
        again = earliest(again, start(withIp, c, false, 0, sandboxId, sandboxConfig, hostIp, blocked));
        continue;
      }
      ContainerStatus s = latest.get();
      switch (s.getState()) {
        case CONTAINER_RUNNING -> {
          if (probes.livenessFailed(pod.getMetadata().getUid(), c.getName(), s.getId())) {
            String which = probes.started(pod.getMetadata().getUid(), c.getName()) ? "liveness" : "startup";
            events.event(pod, EventRecorder.NORMAL, "Killing", "Container " + c.getName() + " failed " + which + " probe, will be restarted");
            kill(pod, s, gracePeriod(pod));
            if (shouldRestart(policy, 137)) {
              again = earliest(again, start(withIp, c, false, RuntimePod.restartCount(s) + 1, sandboxId, sandboxConfig, hostIp, blocked));
            }
          } else if (!ContainerConfigs.hash(c).equals(s.getAnnotationsMap().get(Labels.CONTAINER_HASH))) {
            events.event(pod, EventRecorder.NORMAL, "Killing", "Container " + c.getName() + " definition changed, will be restarted");
            kill(pod, s, gracePeriod(pod));
            again = earliest(again, start(withIp, c, false, RuntimePod.restartCount(s) + 1, sandboxId, sandboxConfig, hostIp, blocked));
          }
        }
        case CONTAINER_EXITED -> {
          if (!shouldRestart(policy, s.getExitCode())) continue;
          again = earliest(again, restart(withIp, c, false, s, sandboxId, sandboxConfig, hostIp, blocked));
        }
        default -> {
          // Created but never started (the kubelet stopped in between): start over.
          remove(uid, s.getId());
          again = earliest(again, start(withIp, c, false, RuntimePod.restartCount(s), sandboxId, sandboxConfig, hostIp, blocked));
        }
      }
    }
    // Ephemeral containers (kubectl debug): started once, in the target's PID namespace when they
    // name one, and never restarted.
    for (EphemeralContainer e : pod.getSpec().getEphemeralContainers()) {
      if (rp.latest(e.getName()).isPresent()) continue;
      boolean targeted = e.getTargetContainerName() != null && !e.getTargetContainerName().isEmpty();
      String targetId = !targeted ? null : rp.latest(e.getTargetContainerName())
          .filter(x -> x.getState() == ContainerState.CONTAINER_RUNNING).map(ContainerStatus::getId).orElse(null);
      if (targeted && targetId == null) {
        again = earliest(again, Duration.ofSeconds(1)); // its target is not running (yet)
        continue;
      }
      again = earliest(again, start(withIp, Containers.of(e), false, 0, sandboxId, sandboxConfig, hostIp, blocked,
          config -> ContainerConfigs.ephemeral(config, targetId)));
    }
    pruneExited(rp);
    return again;
  }

  static boolean shouldRestart(String policy, int exitCode) {
    return "Always".equals(policy) || ("OnFailure".equals(policy) && exitCode != 0);
  }

  /** Restarts an exited container unless its back-off runs; returns the rest of the back-off. */
  private Duration restart(Pod pod, Container c, boolean init, ContainerStatus exited, String sandboxId, PodSandboxConfig sandboxConfig,
      String hostIp, Map<String, Waiting> blocked) {
    String key = pod.getMetadata().getUid() + "/" + c.getName();
    Instant finished = Instant.ofEpochSecond(0, exited.getFinishedAt());
    Instant now = Instant.now();
    Duration left = restarts.remaining(key, finished, now);
    if (!left.isZero()) {
      String message = "back-off " + format(restarts.current(key)) + " restarting failed container=" + c.getName() + " pod="
          + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
      blocked.put(c.getName(), new Waiting("CrashLoopBackOff", message));
      events.event(pod, EventRecorder.WARNING, "BackOff", "Back-off restarting failed container " + c.getName() + " in pod "
          + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")");
      return left;
    }
    restarts.next(key, now);
    return start(pod, c, init, RuntimePod.restartCount(exited) + 1, sandboxId, sandboxConfig, hostIp, blocked);
  }

  private static Duration earliest(Duration a, Duration b) {
    if (a == null) return b;
    if (b == null) return a;
    return a.compareTo(b) <= 0 ? a : b;
  }

  static String format(Duration d) {
    long s = d.toSeconds();
    return s >= 60 && s % 60 == 0 ? (s / 60) + "m0s" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
  }

  /** Starts one container; returns when to look again if it could not (an image back-off), else null. */
  private Duration start(Pod pod, Container c, boolean init, int restartCount, String sandboxId, PodSandboxConfig sandboxConfig,
      String hostIp, Map<String, Waiting> blocked) {
    return start(pod, c, init, restartCount, sandboxId, sandboxConfig, hostIp, blocked, UnaryOperator.identity());
  }

  /** As above; {@code adjust} changes the container's CRI configuration before it is created. */
  private Duration start(Pod pod, Container c, boolean init, int restartCount, String sandboxId, PodSandboxConfig sandboxConfig,
      String hostIp, Map<String, Waiting> blocked, UnaryOperator<ContainerConfig> adjust) {
    String image;
    try {
      image = images.ensure(pod, c, sandboxConfig);
    } catch (ImageManager.ImageException e) {
      blocked.put(c.getName(), new Waiting(e.reason(), e.getMessage()));
      return e.retryAfter();
    }
    Map<String, String> env;
    List<Mount> mounts;
    try {
      env = EnvVars.resolve(pod, c, hostIp, objects);
      mounts = volumes.mounts(pod, c);
    } catch (EnvVars.MissingReferenceException | VolumeManager.VolumeException e) {
      blocked.put(c.getName(), new Waiting("CreateContainerConfigError", e.getMessage()));
      events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
      return null;
    }
    return changing(pod.getMetadata().getUid(), () -> createAndStart(pod, c, restartCount, adjust.apply(
        ContainerConfigs.container(pod, c, init, restartCount, image, env, mounts)), sandboxId, sandboxConfig, blocked));
  }

  private Duration createAndStart(Pod pod, Container c, int restartCount, ContainerConfig config, String sandboxId,
      PodSandboxConfig sandboxConfig, Map<String, Waiting> blocked) {
    String id;
    try {
      id = runtime.createContainer(sandboxId, config, sandboxConfig);
    } catch (RuntimeException e) {
      blocked.put(c.getName(), new Waiting("CreateContainerError", e.getMessage()));
      events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
      return Duration.ofSeconds(10);
    }
    events.event(pod, EventRecorder.NORMAL, "Created", "Created container " + c.getName());
    try {
      runtime.startContainer(id);
    } catch (RuntimeException e) {
      blocked.put(c.getName(), new Waiting("RunContainerError", e.getMessage()));
      events.event(pod, EventRecorder.WARNING, "Failed", "Error: " + e.getMessage());
      return Duration.ofSeconds(10);
    }
    events.event(pod, EventRecorder.NORMAL, "Started", "Started container " + c.getName());
    if (!hooks.postStart(pod, c, id)) {
      events.event(pod, EventRecorder.NORMAL, "Killing", "FailedPostStartHook");
      RemoteRuntime.ignoringNotFound(() -> runtime.stopContainer(id, gracePeriod(pod)));
      return null;
    }
    LOG.info("container started: pod={}/{} container={} restartCount={} id={}", pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(), c.getName(), restartCount, id.substring(0, Math.min(12, id.length())));
    return null;
  }

  static long gracePeriod(Pod pod) {
    if (pod.getMetadata().getDeletionGracePeriodSeconds() != null) return pod.getMetadata().getDeletionGracePeriodSeconds();
    Long g = pod.getSpec().getTerminationGracePeriodSeconds();
    return g == null ? 30 : g;
  }

  private void kill(Pod pod, ContainerStatus c, long grace) {
    Container spec = specOf(pod, c.getMetadata().getName());
    long left = spec == null ? grace : hooks.preStop(pod, spec, c.getId(), grace);
    changing(pod.getMetadata().getUid(), () -> RemoteRuntime.ignoringNotFound(() -> runtime.stopContainer(c.getId(), left)));
  }

  private static Container specOf(Pod pod, String name) {
    if (pod == null) return null;
    for (Container c : pod.getSpec().getContainers()) if (c.getName().equals(name)) return c;
    for (Container c : pod.getSpec().getInitContainers()) if (c.getName().equals(name)) return c;
    for (EphemeralContainer e : pod.getSpec().getEphemeralContainers()) if (e.getName().equals(name)) return Containers.of(e);
    return null;
  }

  public void stopAll(RuntimePod rp, long graceSeconds) {
    stopAll(null, rp, graceSeconds);
  }

  /**
   * Stops every container of the pod (in parallel, each running its preStop hook first when
   * {@code pod} is given, within {@code graceSeconds}), then its sandboxes. Returns when
   * everything has stopped.
   */
  public void stopAll(Pod pod, RuntimePod rp, long graceSeconds) {
    if (!rp.anyRunning() && rp.containers().stream().noneMatch(c -> c.getState() == ContainerState.CONTAINER_CREATED)) return;
    changing(rp.uid(), () -> stopEverything(pod, rp, graceSeconds));
  }

  private void stopEverything(Pod pod, RuntimePod rp, long graceSeconds) {
    List<Thread> stoppers = new ArrayList<>();
    List<RuntimeException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (ContainerStatus c : rp.containers()) {
      if (c.getState() != ContainerState.CONTAINER_RUNNING && c.getState() != ContainerState.CONTAINER_CREATED) continue;
      stoppers.add(Thread.ofVirtual().start(() -> {
        try {
          Container spec = c.getState() == ContainerState.CONTAINER_RUNNING ? specOf(pod, c.getMetadata().getName()) : null;
          long left = spec == null ? graceSeconds : hooks.preStop(pod, spec, c.getId(), graceSeconds);
          runtime.stopContainer(c.getId(), left);
        } catch (RuntimeException e) {
          if (!RemoteRuntime.isNotFound(e)) failures.add(e);
        }
      }));
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (!failures.isEmpty()) throw failures.get(0);
    for (PodSandboxStatus s : rp.sandboxes()) {
      if (s.getState() != PodSandboxState.SANDBOX_READY) continue;
      RemoteRuntime.ignoringNotFound(() -> runtime.stopPodSandbox(s.getId()));
    }
  }

  /** Removes every trace of a pod that is gone from the API: containers, sandboxes, volumes, logs. */
  public void removePod(RuntimePod rp, long graceSeconds) {
    stopAll(rp, graceSeconds);
    for (PodSandboxStatus s : rp.sandboxes()) {
      changing(rp.uid(), () -> RemoteRuntime.ignoringNotFound(() -> runtime.removePodSandbox(s.getId())));
    }
    for (ContainerStatus c : rp.containers()) remove(rp.uid(), c.getId());
    volumes.tearDown(rp.uid());
    probes.remove(rp.uid());
    waiting.remove(rp.uid());
    restarts.forgetPrefix(rp.uid() + "/");
    String suffix = "_" + rp.uid();
    try (var dirs = Files.list(podLogsRoot)) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().endsWith(suffix)).toList()) {
        io.gubernator.kubelet.volume.AtomicWriter.deleteRecursively(d);
      }
    } catch (IOException e) {
      LOG.debug("pod logs not removed: uid={} error={}", rp.uid(), e.toString());
    }
  }

  private void remove(String uid, String containerId) {
    changing(uid, () -> RemoteRuntime.ignoringNotFound(() -> runtime.removeContainer(containerId)));
  }

  /** Keeps the current and the previous attempt of each container (for `logs --previous`); older exited ones go. */
  private void pruneExited(RuntimePod rp) {
    Map<String, Integer> seen = new HashMap<>();
    for (ContainerStatus c : rp.containers()) {
      int n = seen.merge(c.getMetadata().getName(), 1, Integer::sum);
      if (n > 2 && c.getState() == ContainerState.CONTAINER_EXITED) remove(rp.uid(), c.getId());
    }
  }
}
