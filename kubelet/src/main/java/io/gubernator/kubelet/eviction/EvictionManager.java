package io.gubernator.kubelet.eviction;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the eviction checks over the node's active pods every period and hands each pod they pick
 * to the kubelet, which records the event, kills the pod and reports it Failed. Measuring walks
 * volumes on disk, so it has a thread of its own rather than holding up the kubelet's timers
 * (the node lease among them).
 */
public final class EvictionManager implements AutoCloseable {

  /** Kubernetes' system-cluster-critical priority; pods at or above it are never evicted. */
  static final int SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

  private static final Logger LOG = LoggerFactory.getLogger(EvictionManager.class);

  private final List<EvictionCheck> checks;
  private final Supplier<List<Pod>> activePods;
  private final Consumer<Eviction> evict;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
      r -> Thread.ofPlatform().daemon().name("kubelet-eviction").unstarted(r));

  /**
   * @param activePods the pods that run, or are to run, on the node: not terminal, not already evicted
   * @param evict      takes a pod off the node; called once per pod, on the manager's thread
   */
  public EvictionManager(List<EvictionCheck> checks, Supplier<List<Pod>> activePods, Consumer<Eviction> evict) {
    this.checks = List.copyOf(checks);
    this.activePods = activePods;
    this.evict = evict;
  }

  public void start(Duration period) {
    loop.scheduleWithFixedDelay(() -> {
      try {
        synchronize();
      } catch (RuntimeException e) {
        LOG.warn("eviction pass failed: error={}", e.toString());
      }
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass of every check; returns the evictions it made. */
  public List<Eviction> synchronize() {
    List<Pod> candidates = activePods.get().stream().filter(p -> !isCritical(p)).toList();
    List<Eviction> made = new ArrayList<>();
    Set<String> gone = new HashSet<>();
    for (EvictionCheck check : checks) {
      List<Pod> left = candidates.stream().filter(p -> !gone.contains(p.getMetadata().getUid())).toList();
      if (left.isEmpty()) break;
      for (Eviction e : check.select(left)) {
        if (!gone.add(e.pod().getMetadata().getUid())) continue;
        LOG.info("evicting pod: pod={}/{} message={}", e.pod().getMetadata().getNamespace(), e.pod().getMetadata().getName(),
            e.message().trim());
        evict.accept(e);
        made.add(e);
      }
    }
    return made;
  }

  /**
   * Static and mirror pods are not admitted again once evicted, and the system-critical priority
   * classes hold what the node itself needs: Kubernetes never evicts either.
   */
  static boolean isCritical(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations != null) {
      String source = annotations.get("kubernetes.io/config.source");
      if (source != null && !"api".equals(source)) return true;
      if (annotations.containsKey("kubernetes.io/config.mirror")) return true;
    }
    Integer priority = pod.getSpec().getPriority();
    return priority != null && priority >= SYSTEM_CRITICAL_PRIORITY;
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
