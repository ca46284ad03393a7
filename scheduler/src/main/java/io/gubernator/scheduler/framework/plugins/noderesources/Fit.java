package io.gubernator.scheduler.framework.plugins.noderesources;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Resource;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NodeResourcesFit: the pod's requests must fit in the node's allocatable minus what its pods
 * request, for each resource the pod asks for; and the node must have a pod slot left. Scores with
 * the LeastAllocated strategy (cpu and memory, weight 1 each), upstream's default.
 */
public final class Fit implements Plugin.PreFilter, Plugin.Filter, Plugin.Score {

  public static final String NAME = "NodeResourcesFit";
  static final String STATE_KEY = "PreFilter" + NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes) {
    state.write(STATE_KEY, requests);
    return Status.success();
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    PodRequests r = state.read(STATE_KEY, PodRequests.class);
    if (r == null) r = PodRequests.of(pod);
    List<String> reasons = insufficient(r.requests(), node);
    return reasons.isEmpty() ? Status.success() : Status.unschedulable(reasons);
  }

  /** Upstream's fitsRequest: the reasons in its order (pods, cpu, memory, ephemeral-storage, others). */
  public static List<String> insufficient(Resource req, NodeInfo node) {
    List<String> reasons = new ArrayList<>(1);
    Resource alloc = node.allocatable();
    Resource used = node.requested();
    if (node.pods().size() + 1 > alloc.allowedPods) reasons.add("Too many pods");
    if (req.isZero()) return reasons;
    if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) reasons.add("Insufficient cpu");
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) reasons.add("Insufficient memory");
    if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
      reasons.add("Insufficient ephemeral-storage");
    }
    if (req.scalar.isEmpty()) return reasons;
    // Sorted so the reasons read the same on every node (and in the histogram).
    for (Map.Entry<String, Long> e : req.scalar.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      long want = e.getValue();
      if (want == 0) continue;
      long free = alloc.scalar.getOrDefault(e.getKey(), 0L) - used.scalar.getOrDefault(e.getKey(), 0L);
      if (want > free) reasons.add("Insufficient " + e.getKey());
    }
    return reasons;
  }

  /** LeastAllocated: the free share of cpu and memory after placing the pod, averaged, in [0, 100]. */
  @Override
  public long score(CycleState state, Pod pod, NodeInfo node) {
    PodRequests r = state.read(STATE_KEY, PodRequests.class);
    if (r == null) r = PodRequests.of(pod);
    long cpu = leastRequested(node.nonZeroMilliCpu() + r.nonZeroMilliCpu(), node.allocatable().milliCpu);
    long mem = leastRequested(node.nonZeroMemory() + r.nonZeroMemory(), node.allocatable().memory);
    return (cpu + mem) / 2;
  }

  static long leastRequested(long requested, long capacity) {
    if (capacity == 0 || requested > capacity) return 0;
    return (capacity - requested) * MAX_NODE_SCORE / capacity;
  }
}
