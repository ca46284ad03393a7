package io.gubernator.kubelet.eviction;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * One ground on which the kubelet evicts pods. A check sees all the node's active pods at once,
 * because a node-pressure check ranks them against each other before it picks; a per-pod limit,
 * such as {@link EmptyDirLimits}, simply names every pod over it.
 */
public interface EvictionCheck {

  /** The pods to evict now, each with its message; empty when none has to go. */
  List<Eviction> select(List<Pod> activePods);
}
